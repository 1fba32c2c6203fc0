/* calloc'd memory is defined: branching on it is clean. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return calloc(n, sizeof(int));
}

int main(void)
{
    int *p = make(100);
    int zeros = 0;
    for (int i = 0; i < 100; i++)
        if (p[i] == 0)
            zeros++;
    printf("%d zeros\n", zeros);
    free(p);
    return 0;
}
