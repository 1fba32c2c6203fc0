/* printf_float: floats and doubles through printf (%f %e %g %a), rounding cases,
 * strtod, and float/double arithmetic. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *what, double v)
{
    printf("%-14s %%f=%f %%.0f=%.0f %%.3f=%.3f %%e=%e %%.10e=%.10e\n", what, v, v, v, v, v);
    printf("%-14s %%g=%g %%.17g=%.17g %%a=%a %%.3a=%.3a %%+.2e=%+.2e [%%12.4f]=[%12.4f] [%%-12.3e]=[%-12.3e]\n",
           what, v, v, v, v, v, v, v);
}

int main(void)
{
    static const struct { const char *name; double v; } vals[] = {
        {"0", 0.0}, {"-0", -0.0}, {"1", 1.0}, {"-1", -1.0}, {"0.1", 0.1}, {"0.2", 0.2},
        {"0.3", 0.3}, {"1/3", 1.0 / 3.0}, {"2/3", 2.0 / 3.0}, {"pi", 3.141592653589793},
        {"e", 2.718281828459045}, {"1e-300", 1e-300}, {"denorm", 5e-324},
        {"denorm2", 2.2250738585072009e-308}, {"DBL_MIN", DBL_MIN}, {"DBL_MAX", DBL_MAX},
        {"DBL_EPSILON", DBL_EPSILON}, {"123456789.125", 123456789.125}, {"1e15", 1e15},
        {"1e16", 1e16}, {"1e21", 1e21}, {"1e22", 1e22}, {"1e23", 1e23}, {"2^53+2", 9007199254740994.0},
        {"0.5", 0.5}, {"1.5", 1.5}, {"2.5", 2.5}, {"-2.5", -2.5}, {"0.125", 0.125},
        {"0.375", 0.375}, {"1.005", 1.005}, {"9.995", 9.995}, {"0.0005", 0.0005},
        {"999999.5", 999999.5}, {"0.9999995", 0.9999995}, {"1e-5", 1e-5}, {"123e-7", 123e-7},
        {"inf", INFINITY}, {"-inf", -INFINITY}, {"nan", NAN},
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        show(vals[i].name, vals[i].v);

    /* round-half-even in the last printed digit */
    static const double halves[] = {0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 0.25, 0.75, 0.125, 1.0625, 2.675};
    for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++)
        printf("round %g: %%.0f=%.0f %%.1f=%.1f %%.2f=%.2f %%.3f=%.3f\n", halves[i], halves[i],
               halves[i], halves[i], halves[i]);

    /* floats: promoted to double by printf, computed in single precision */
    static const float fv[] = {0.1f, 1.0f / 3.0f, 16777217.0f, FLT_MAX, FLT_MIN, 1e-45f, 3.4e38f, -2.5f};
    for (size_t i = 0; i < sizeof fv / sizeof fv[0]; i++)
        printf("float %zu: %%.9g=%.9g %%a=%a %%e=%e\n", i, fv[i], fv[i], fv[i]);
    volatile float fa = 0.1f, fb = 0.2f, fc = 3.0f;
    printf("float ops: %.9g %.9g %.9g %.9g %.9g\n", fa + fb, fa * fc, fb / fc, fa - fb, sqrtf(fc));
    volatile double da = 0.1, db = 0.2, dc = 3.0;
    printf("double ops: %.17g %.17g %.17g %.17g %.17g\n", da + db, da * dc, db / dc, da - db, sqrt(dc));
    printf("fma-free: %.17g\n", da * db + dc);

    /* conversions */
    volatile double big = 1e19, neg = -3.7, pos = 3.7;
    printf("(long)%g=%ld (long)%g=%ld (unsigned long)%g=%lu (int)%g=%d\n", neg, (long)neg, pos,
           (long)pos, big, (unsigned long)big, pos, (int)pos);
    volatile long l = 9007199254740993L;
    printf("(double)%ld=%.17g (float)%ld=%.9g\n", l, (double)l, l, (float)l);
    printf("rint/nearbyint/lround: %g %g %ld %ld\n", rint(2.5), nearbyint(3.5), lround(2.5), lround(-2.5));

    /* strtod and round trips */
    static const char *strs[] = {"0.1", "1e-320", "2.2250738585072011e-308", "1.7976931348623157e308",
                                 "1.7976931348623159e308", "4.9406564584124654e-324", "0x1.8p1", "-0",
                                 "inf", "nan", "123456789012345678901234567890", "1.00000000000000011102230246251565404236316680908203125",
                                 "  42.5xyz"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *end;
        double d = strtod(strs[i], &end);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        printf("strtod(\"%s\") = %.17g bits=%016llx rest=\"%s\" roundtrip=%d\n", strs[i], d,
               (unsigned long long)bits, end, memcmp(&back, &d, 8) == 0 || d != d);
    }
    printf("strtof(\"0.1\")=%a\n", strtof("0.1", NULL));
    return 0;
}
