/* posix_memalign, aligned_alloc, memalign, valloc and malloc_usable_size; every block is
 * written, read and freed: clean. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int aligned(void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

static __attribute__((noinline)) int use(void *p, size_t n)
{
    memset(p, 0x5a, n);
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((unsigned char *)p)[i] == 0x5a;
    return s == (int)n;
}

int main(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *a = NULL;
    int rc = posix_memalign(&a, 64, 100);
    printf("posix_memalign: rc %d aligned %d used %d\n", rc, aligned(a, 64), use(a, 100));
    void *bad = (void *)1;
    rc = posix_memalign(&bad, 3, 100); /* not a power of two: EINVAL, bad untouched */
    printf("posix_memalign(3): rc %d untouched %d\n", rc, bad == (void *)1);
    void *b = aligned_alloc(256, 512);
    printf("aligned_alloc: aligned %d used %d\n", aligned(b, 256), use(b, 512));
    void *c = memalign(4096, 33);
    printf("memalign: aligned %d used %d\n", aligned(c, 4096), use(c, 33));
    void *d = valloc(10);
    printf("valloc: aligned %d used %d\n", aligned(d, page), use(d, 10));
    void *e = malloc(77);
    printf("malloc_usable_size: at least 77: %d\n", malloc_usable_size(e) >= 77);
    printf("malloc_usable_size(NULL): %zu\n", malloc_usable_size(NULL));
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    return 0;
}
