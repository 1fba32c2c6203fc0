/* realloc grows and shrinks a block and keeps its contents: clean. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) int *resize(int *p, int n)
{
    return realloc(p, n * sizeof(int));
}

int main(void)
{
    int *p = make(10);
    for (int i = 0; i < 10; i++)
        p[i] = i * i;
    p = resize(p, 1000); /* grow: the first 10 are kept */
    for (int i = 10; i < 1000; i++)
        p[i] = i * i;
    long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += p[i];
    p = resize(p, 5); /* shrink: the first 5 are kept */
    int ok = 1;
    for (int i = 0; i < 5; i++)
        if (p[i] != i * i)
            ok = 0;
    p = resize(p, 0x10000); /* grow a lot (mmap-sized natively) */
    for (int i = 0; i < 5; i++)
        if (p[i] != i * i)
            ok = 0;
    printf("sum %ld, kept %s\n", sum, ok ? "yes" : "no");
    free(p);
    return 0;
}
