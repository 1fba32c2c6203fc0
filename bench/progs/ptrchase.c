/* Pointer chasing: follow a random cyclic permutation through a large array (cache misses). */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long steps = argc > 1 ? atol(argv[1]) : 20000000;
    size_t n = 1 << 22;
    size_t *next = malloc(n * sizeof *next);
    for (size_t i = 0; i < n; i++) next[i] = i;
    unsigned long x = 88172645463325252UL;
    for (size_t i = n - 1; i > 0; i--) {  /* Sattolo: one cycle through every element */
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t j = x % i, t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    size_t p = 0;
    for (long s = 0; s < steps; s++) p = next[p];
    printf("%zu\n", p);
    free(next);
    return 0;
}
