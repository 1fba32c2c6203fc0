/* Still reachable: the block's pointer is kept in a global until exit. */
#include <stdio.h>
#include <stdlib.h>

static int *kept;

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) void keep(void)
{
    kept = make(25);
    for (int i = 0; i < 25; i++)
        kept[i] = i;
}

int main(void)
{
    keep();
    printf("kept %d\n", kept[24]);
    return 0;
}
