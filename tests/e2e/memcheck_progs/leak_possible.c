/* Possibly lost: the only pointer left to the block points into its middle. */
#include <stdio.h>
#include <stdlib.h>

static char *interior;

static __attribute__((noinline)) char *make(int n)
{
    return malloc(n);
}

static __attribute__((noinline)) void keep_middle(void)
{
    char *p = make(64);
    for (int i = 0; i < 64; i++)
        p[i] = (char)i;
    interior = p + 16;
}

int main(void)
{
    keep_middle();
    printf("kept %d\n", interior[0]);
    return 0;
}
