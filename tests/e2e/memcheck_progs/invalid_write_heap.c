/* Invalid write of size 4: the int just after a malloc(20) block. The chunk glibc hands
 * out for 20 bytes has 24 usable bytes, so natively the write lands in the block's own
 * slack and corrupts nothing. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) void poke(int *p, int i, int v)
{
    p[i] = v;
}

int main(void)
{
    int *p = make(5);
    for (int i = 0; i < 5; i++)
        p[i] = i;
    poke(p, 5, 42); /* 0 bytes after the block */
    printf("wrote, p[4] = %d\n", p[4]);
    free(p);
    return 0;
}
