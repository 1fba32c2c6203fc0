/* qsort of 1000 ints and printf of floats with %f %g %e: clean. */
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static __attribute__((noinline)) int *make(int n)
{
    int *p = malloc(n * sizeof(int));
    unsigned s = 12345;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        p[i] = (int)(s >> 8) % 100000 - 50000;
    }
    return p;
}

int main(void)
{
    int n = 1000;
    int *p = make(n);
    qsort(p, n, sizeof *p, cmp);
    int sorted = 1;
    for (int i = 1; i < n; i++)
        if (p[i - 1] > p[i])
            sorted = 0;
    printf("sorted %d: %d %d %d\n", sorted, p[0], p[n / 2], p[n - 1]);
    double d[] = {0.0, -0.0, 1.0 / 3, 2.5e-300, 6.02214076e23, -123456.789, 1e-7, 0.5};
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++)
        printf("%f %g %e %.3f %10.2e %-12g|\n", d[i], d[i], d[i], d[i], d[i], d[i]);
    float f = 3.14159f;
    printf("%f %g %a\n", f, f * 2, 1.0);
    free(p);
    return 0;
}
