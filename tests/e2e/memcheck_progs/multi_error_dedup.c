/* The same invalid read 100 times in a loop (one context), plus a second, distinct invalid
 * read (another context): 101 errors from 2 contexts. */
#include <stdio.h>
#include <stdlib.h>

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
    int *p = make(10);
    for (int i = 0; i < 10; i++)
        p[i] = i;
    int sum = 0;
    for (int k = 0; k < 100; k++)
        sum += peek(p, 10) & 0; /* 0 bytes after the block, 100 times */
    int before = peek(p, -1) & 0; /* 4 bytes before the block, once */
    printf("sum %d\n", sum + before + p[9]);
    free(p);
    return 0;
}
