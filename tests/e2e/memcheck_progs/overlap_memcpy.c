/* Source and destination overlap in mempcpy (memcpy's GNU sibling that returns dst + n).
 *
 * Why not memcpy itself: on a machine with AVX, glibc 2.36 resolves memcpy's IFUNC to
 * __memmove_avx_unaligned_erms, which Valgrind 3.19 replaces with its memmove (it has to:
 * memmove jumps into that code too), so Valgrind never reports an overlapping memcpy
 * there. Its mempcpy replacement does check. The size is not a constant, so that gcc
 * calls the function instead of expanding it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) char *make(int n)
{
    return malloc(n);
}

static __attribute__((noinline)) char *copy(char *dst, const char *src, size_t n)
{
    return mempcpy(dst, src, n);
}

int main(int argc, char **argv)
{
    (void)argv;
    size_t n = 19 + (size_t)argc; /* 20 */
    char *buf = make(64);
    memset(buf, 'a', 64);
    char *end = copy(buf + 4, buf, n); /* overlap */
    printf("copied %d bytes\n", (int)(end - (buf + 4)));
    free(buf);
    return 0;
}
