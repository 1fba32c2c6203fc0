/* Invalid free() of a pointer that malloc never returned: the address of a global.
 *
 * So that the native run does not die in glibc's own checks ("free(): invalid pointer"),
 * the global is laid out like a small malloc chunk (a size word before the pointer that
 * is freed): natively glibc quietly puts the fake chunk in its tcache, and the program
 * never allocates that size again. Under memcheck the free is reported and ignored. */
#include <stdio.h>
#include <stdlib.h>

/* chunk header: prev_size, size (0x3f0 | PREV_INUSE); then the "user" part */
static _Alignas(16) size_t fake[2 + 124] = {0, 0x3f0 | 1};

static __attribute__((noinline)) void release(void *p)
{
    free(p);
}

int main(void)
{
    printf("freeing a global\n");
    release(&fake[2]);
    printf("still alive\n");
    return 0;
}
