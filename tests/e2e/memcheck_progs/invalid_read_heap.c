/* Invalid read of size 4: the int just after a malloc(40) block. */
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
    int x = peek(p, 10); /* 0 bytes after the block */
    /* the value itself is whatever follows the block: print something that does not depend on it */
    printf("read %d\n", (x & 0) + p[9]);
    free(p);
    return 0;
}
