/* Syscall param write(buf) points to uninitialised byte(s): 8 malloc'd bytes never written
 * go to stdout. The block is the program's first allocation, fresh memory that the kernel
 * zeroed: the program writes 8 NUL bytes natively and under memcheck, though memcheck
 * rightly considers them undefined. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static __attribute__((noinline)) char *make(int n)
{
    return malloc(n);
}

int main(void)
{
    char *buf = make(8);
    ssize_t n = write(1, buf, 8);
    printf("\nwrote %zd\n", n);
    free(buf);
    return 0;
}
