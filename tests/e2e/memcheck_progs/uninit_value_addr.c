/* Use of uninitialised value of size 8: an uninitialised malloc'd int used as an array
 * index (the load's address is undefined). Every entry of the table is the same, so the
 * output does not depend on the garbage. */
#include <stdio.h>
#include <stdlib.h>

static int table[8] = {7, 7, 7, 7, 7, 7, 7, 7};

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) int lookup(const int *p)
{
    int idx = *p; /* uninitialised */
    return table[idx & 7];
}

int main(void)
{
    int *p = make(1);
    int v = lookup(p);
    printf("value %d\n", v);
    free(p);
    return 0;
}
