/* longdouble [full]: long double arithmetic and printf("%Lf", "%La", ...).
 *
 * VEX models the x87 registers as 64-bit doubles, so under pygrind (as under Valgrind)
 * a long double computation is only as precise as a double. Without arguments this
 * program only uses values that are exactly representable in a double, at every step:
 * its output must match native exactly. With "full" it prints results that need the full
 * 64-bit mantissa of the 80-bit format (1/3, 2^64-1, 0.1L...): those show the limitation. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, long double v)
{
    printf("%-12s %%Lf=%Lf %%.3Le=%.3Le %%Lg=%Lg %%La=%La\n", what, v, v, v, v);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "full")) {
        volatile long double one = 1.0L, three = 3.0L, ten = 10.0L;
        show("1/3", one / three);
        printf("1/3 %%.25Lg=%.25Lg\n", one / three);
        volatile uint64_t umax = UINT64_MAX;
        show("2^64-1", (long double)umax);
        printf("(uint64)(2^64-1)L=%llu\n", (unsigned long long)(long double)umax);
        volatile int64_t big = INT64_C(9223372036854775807);
        printf("(int64)(long double)INT64_MAX=%lld\n", (long long)(long double)big);
        show("0.1L", strtold("0.1", NULL));
        show("1/10", one / ten);
        show("sqrtl(2)", sqrtl(2.0L));
        show("LDBL_EPSILON", LDBL_EPSILON);
        show("1+LDBL_EPS", one + LDBL_EPSILON);
        volatile long double lmax = LDBL_MAX;
        printf("LDBL_MAX %%.6Le=%.6Le %%La=%La\n", lmax * one, lmax * one);
        show("LDBL_MIN", LDBL_MIN);
        show("expl(1)", expl(1.0L));
        printf("1e4000L > DBL_MAX: %d\n", strtold("1e4000", NULL) > (long double)DBL_MAX);
        return 0;
    }
    volatile long double a = 1.5L, b = 2.25L, c = -0.125L, d = 1024.0L, e = 3.0L;
    show("a", a);
    show("b", b);
    show("a+b", a + b);
    show("a-b", a - b);
    show("a*b", a * b);
    show("b/a", b / a);
    show("c*d", c * d);
    show("d/8", d / 8.0L);
    show("sqrtl(b)", sqrtl(b));
    show("e*e*e", e * e * e);
    show("-0", -0.0L);
    show("2^60", ldexpl(1.0L, 60));
    show("2^-1000", ldexpl(1.0L, -1000));
    show("1e300*4", (long double)1e300 * 4.0L);
    long double acc = 0;
    for (int i = 1; i <= 100; i++)
        acc += (long double)i * 0.5L;
    show("sum i/2", acc);
    volatile int64_t i64 = INT64_C(4503599627370496); /* 2^52 */
    show("(ld)2^52", (long double)i64);
    printf("(int64)(%Lg)=%lld\n", d * d * d, (long long)(d * d * d));
    printf("compare: %d %d %d %d\n", a < b, a == 1.5L, c < 0, b >= a * a);
    printf("fabsl=%Lg floorl=%Lg ceill=%Lg truncl=%Lg roundl(2.5)=%Lg\n", fabsl(c), floorl(b),
           ceill(b), truncl(-b), roundl(2.5L));
    double x = (double)(a * b);
    printf("(double)(a*b)=%.17g\n", x);
    char buf[64];
    snprintf(buf, sizeof buf, "%Lf", a * d);
    printf("strtold(\"%s\")=%Lg\n", buf, strtold(buf, NULL));
    printf("sizeof(long double)=%zu LDBL_MANT_DIG=%d\n", sizeof(long double), LDBL_MANT_DIG);
    return 0;
}
