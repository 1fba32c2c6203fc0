/* An invalid read, then a NULL dereference: the process dies of SIGSEGV. Memcheck reports
 * the invalid read, the bad access, the fatal signal, and the heap and leak summaries
 * (the block is still reachable from a global when the process dies). */
#include <stdio.h>
#include <stdlib.h>

static int *kept;
static int *volatile nowhere; /* NULL, but gcc cannot know */

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) int peek(const int *p, int i)
{
    return p[i];
}

int main(void)
{
    kept = make(4);
    for (int i = 0; i < 4; i++)
        kept[i] = i;
    int x = peek(kept, 4); /* 0 bytes after a block of size 16 */
    printf("read %d\n", (x & 0) + kept[3]);
    fflush(stdout);
    int y = peek(nowhere, 0); /* SIGSEGV */
    printf("not reached %d\n", y);
    return 0;
}
