/* Conditional jump or move depends on uninitialised value(s): a branch on a malloc'd int
 * that was never written. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) int check(const int *p)
{
    int r = 0;
    if (*p == 42) /* uninitialised */
        r = 1;
    return r;
}

int main(void)
{
    int *p = make(1);
    int r = check(p);
    /* r depends on the garbage: print nothing that does */
    printf("checked %d\n", r & 0);
    free(p);
    return 0;
}
