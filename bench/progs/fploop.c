/* Floating point loop: a numerical integration (SSE2 double arithmetic and libm). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    double s = 0, dx = 1.0 / n;
    for (long i = 0; i < n; i++) {
        double x = (i + 0.5) * dx;
        s += 4.0 / (1.0 + x * x) + 1e-9 * sqrt(x);
    }
    printf("%.12f\n", s * dx);
    return 0;
}
