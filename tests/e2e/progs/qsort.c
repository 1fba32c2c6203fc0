/* qsort: 10,000 ints from a fixed LCG, sorted by qsort, checked and summarised. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_desc_mod(const void *a, const void *b)
{
    int x = *(const int *)a % 1000, y = *(const int *)b % 1000;
    if (x != y)
        return (x < y) - (x > y);
    return cmp_int(a, b);
}

int main(void)
{
    enum { N = 10000 };
    static int v[N];
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)(x >> 1) - (1 << 30);
    }
    qsort(v, N, sizeof v[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < N; i++)
        sorted &= v[i - 1] <= v[i];
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        sum = sum * 31 + (uint32_t)v[i];
    printf("sorted=%d min=%d max=%d median=%d checksum=%016llx\n", sorted, v[0], v[N - 1], v[N / 2],
           (unsigned long long)sum);
    for (int i = 0; i < 10; i++)
        printf("v[%d]=%d v[%d]=%d\n", i, v[i], N - 1 - i, v[N - 1 - i]);
    int found = 0;
    for (int i = 0; i < N; i += 97) {
        int key = v[i];
        found += bsearch(&key, v, N, sizeof v[0], cmp_int) != NULL;
        key++;
        found += 100 * (bsearch(&key, v, N, sizeof v[0], cmp_int) != NULL);
    }
    printf("bsearch: %d\n", found);
    qsort(v, N, sizeof v[0], cmp_desc_mod);
    sum = 0;
    for (int i = 0; i < N; i++)
        sum = sum * 31 + (uint32_t)v[i];
    printf("second order: first=%d last=%d checksum=%016llx\n", v[0], v[N - 1], (unsigned long long)sum);
    return 0;
}
