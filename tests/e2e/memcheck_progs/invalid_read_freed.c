/* Invalid read of size 4 from a freed block (use after free). */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) void drop(int *p)
{
    free(p);
}

int main(void)
{
    int *p = make(10);
    for (int i = 0; i < 10; i++)
        p[i] = i;
    drop(p);
    int x = p[2]; /* 8 bytes inside a block of size 40 free'd */
    /* natively glibc has written its tcache key there: print nothing that depends on it */
    printf("read %d\n", x & 0);
    return 0;
}
