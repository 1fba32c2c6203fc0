/* Integer loop: a small hash over a counter (CPU-bound, no memory traffic). */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 3000000;
    unsigned long h = 1469598103934665603UL;
    for (long i = 0; i < n; i++) {
        h ^= (unsigned long)i;
        h *= 1099511628211UL;
        h += h >> 29;
    }
    printf("%lu\n", h);
    return 0;
}
