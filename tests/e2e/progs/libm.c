/* libm: libm functions on fixed inputs, printed with %.17g. */
#include <math.h>
#include <stdio.h>

int main(void)
{
    static const double xs[] = {0.0, -0.0, 0.5, 1.0, -1.0, 2.0, 3.0, 0.1, 1e-10, 10.0, 100.0,
                                -7.25, 1e6, 710.0, -745.0, 3.141592653589793, 1e22, 0.7853981633974483,
                                INFINITY, -INFINITY, NAN};
    const int n = sizeof xs / sizeof xs[0];
    for (int i = 0; i < n; i++) {
        double x = xs[i];
        printf("x=%.17g\n", x);
        printf("  sin=%.17g cos=%.17g tan=%.17g\n", sin(x), cos(x), tan(x));
        printf("  exp=%.17g log=%.17g log10=%.17g log2=%.17g\n", exp(x), log(x), log10(x), log2(x));
        printf("  sqrt=%.17g cbrt=%.17g fabs=%.17g\n", sqrt(x), cbrt(x), fabs(x));
        printf("  atan=%.17g asin=%.17g acos=%.17g\n", atan(x), asin(x), acos(x));
        printf("  sinh=%.17g cosh=%.17g tanh=%.17g\n", sinh(x), cosh(x), tanh(x));
        printf("  expm1=%.17g log1p=%.17g\n", expm1(x), log1p(x));
        printf("  floor=%.17g ceil=%.17g round=%.17g trunc=%.17g rint=%.17g\n", floor(x), ceil(x),
               round(x), trunc(x), rint(x));
        int e;
        double m = frexp(x, &e);
        printf("  frexp=%.17g,%d ldexp(x,3)=%.17g\n", m, e, ldexp(x, 3));
    }
    static const double ys[] = {0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 1e-3, 7.0, INFINITY, NAN};
    const int ny = sizeof ys / sizeof ys[0];
    for (int i = 0; i < n; i += 2)
        for (int j = 0; j < ny; j++) {
            double x = xs[i], y = ys[j];
            printf("x=%.17g y=%.17g pow=%.17g fmod=%.17g atan2=%.17g hypot=%.17g remainder=%.17g fmin=%g fmax=%g\n",
                   x, y, pow(x, y), fmod(x, y), atan2(x, y), hypot(x, y), remainder(x, y),
                   fmin(x, y), fmax(x, y));
        }
    /* single precision */
    static const float fs[] = {0.5f, 1.0f, 2.0f, 0.1f, 100.0f, -3.5f};
    for (unsigned i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        float x = fs[i];
        printf("f=%.9g sinf=%.9g cosf=%.9g expf=%.9g logf=%.9g powf=%.9g sqrtf=%.9g\n", x, sinf(x),
               cosf(x), expf(x), logf(x), powf(x, 1.5f), sqrtf(x));
    }
    return 0;
}
