/* printf("%d") of an uninitialised heap int: memcheck reports the uses inside vfprintf.
 * The block is the program's first allocation, so it is fresh memory that the kernel zeroed
 * (natively from brk, under memcheck from its own mmap'd arena): the output is "0" though
 * memcheck rightly considers the value undefined. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

int main(void)
{
    int *p = make(1);
    printf("%d\n", *p);
    free(p);
    return 0;
}
