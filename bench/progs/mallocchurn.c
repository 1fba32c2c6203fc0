/* malloc/free churn: many short-lived allocations of mixed sizes. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    void *slots[1024] = {0};
    unsigned long x = 12345, sum = 0;
    for (long i = 0; i < n; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        unsigned k = (x >> 33) & 1023;
        free(slots[k]);
        size_t size = 16 + ((x >> 20) & 511);
        slots[k] = malloc(size);
        ((char *)slots[k])[0] = (char)i;
        sum += size;
    }
    for (int k = 0; k < 1024; k++) free(slots[k]);
    printf("%lu\n", sum);
    return 0;
}
