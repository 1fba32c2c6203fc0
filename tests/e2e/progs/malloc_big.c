/* malloc_big: 100 MB from malloc, touched every 4096 bytes; calloc, realloc, free. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t n = 100u << 20;
    unsigned char *p = malloc(n);
    if (!p) {
        printf("malloc(100 MB) failed\n");
        return 1;
    }
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    p[n - 1] = 0x5a;
    uint64_t s = 0;
    for (size_t i = 0; i < n; i += 4096)
        s += p[i] * (i >> 12);
    printf("malloc 100 MB: touched %zu pages, sum %llu, last %d\n", n / 4096,
           (unsigned long long)s, p[n - 1]);

    unsigned char *q = realloc(p, n + (16u << 20));
    if (!q) {
        printf("realloc failed\n");
        return 1;
    }
    s = 0;
    for (size_t i = 0; i < n; i += 4096)
        s += q[i] * (i >> 12);
    printf("realloc to 116 MB: content kept %d\n", s > 0 && q[n - 1] == 0x5a);
    for (size_t i = n; i < n + (16u << 20); i += 4096)
        q[i] = 1;
    free(q);

    unsigned char *z = calloc(50, 1 << 20);
    if (!z) {
        printf("calloc failed\n");
        return 1;
    }
    int zero = 1;
    for (size_t i = 0; i < (50u << 20); i += 4096)
        zero &= z[i] == 0;
    printf("calloc 50 MB: zero %d\n", zero);
    free(z);

    /* many small blocks */
    void *blocks[10000];
    for (int i = 0; i < 10000; i++) {
        blocks[i] = malloc((size_t)(i % 300) + 1);
        memset(blocks[i], i & 0xff, (size_t)(i % 300) + 1);
    }
    int ok = 1;
    for (int i = 0; i < 10000; i++)
        ok &= ((unsigned char *)blocks[i])[i % 300] == (i & 0xff);
    for (int i = 0; i < 10000; i += 2)
        free(blocks[i]);
    for (int i = 1; i < 10000; i += 2)
        free(blocks[i]);
    printf("10000 small blocks: ok %d\n", ok);
    printf("malloc(huge) fails: %d\n", malloc((size_t)1 << 62) == NULL);
    return 0;
}
