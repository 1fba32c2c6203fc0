/* int128: __int128 arithmetic (mul, div, mod, shifts, compare), printed by repeated
 * division by 10. */
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static void put_u(u128 v)
{
    char buf[48];
    int i = 47;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    fputs(buf + i, stdout);
}

static void put_s(s128 v)
{
    if (v < 0) {
        putchar('-');
        put_u(-(u128)v);
    } else {
        put_u((u128)v);
    }
}

static uint64_t lcg_state = 0x853c49e6748fea9bULL;

static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lcg_state;
}

int main(void)
{
    const u128 max = ~(u128)0;
    const s128 smax = (s128)(max >> 1), smin = -smax - 1;
    printf("u128 max = "); put_u(max); printf("\n");
    printf("s128 max = "); put_s(smax); printf("\n");
    printf("s128 min = "); put_s(smin); printf("\n");
    u128 f = 1;
    for (int i = 1; i <= 34; i++) {
        f *= (u128)i;
        printf("%d! = ", i); put_u(f); printf("\n");
    }
    u128 p = 1;
    for (int i = 0; i < 128; i += 9) {
        printf("2^%d = ", i); put_u((u128)1 << i);
        printf("  3^%d mod 2^128 = ", i); put_u(p);
        printf("\n");
        for (int k = 0; k < 9; k++)
            p *= 3;
    }
    for (int i = 0; i < 40; i++) {
        u128 a = ((u128)lcg() << 64) | lcg();
        u128 b = (i % 3 == 0) ? (u128)(lcg() >> (i % 60)) + 1 : (((u128)lcg() << (i % 64)) | lcg()) + 1;
        s128 sa = (s128)a, sb = (s128)b;
        int sh = (int)(lcg() % 128);
        printf("#%d a=", i); put_u(a); printf(" b="); put_u(b);
        printf("\n  a*b="); put_u(a * b);
        printf(" a/b="); put_u(a / b);
        printf(" a%%b="); put_u(a % b);
        printf(" a+b="); put_u(a + b);
        printf(" a-b="); put_u(a - b);
        printf("\n  sa/sb="); put_s(sa / sb);
        printf(" sa%%sb="); put_s(sa % sb);
        printf(" sa*sb="); put_s(sa * sb);
        printf("\n  a<<%d=", sh); put_u(a << sh);
        printf(" a>>%d=", sh); put_u(a >> sh);
        printf(" sa>>%d=", sh); put_s(sa >> sh);
        printf(" cmp=%d%d%d%d\n", a < b, sa < sb, a == b, (a & b) > (a ^ b));
        if (a / b * b + a % b != a || sa / sb * sb + sa % sb != sa)
            printf("  DIVISION IDENTITY BROKEN\n");
    }
    s128 q = smin / -2, r = smin % 7;
    printf("smin/-2="); put_s(q); printf(" smin%%7="); put_s(r); printf("\n");
    printf("bit count of max: %d\n", __builtin_popcountll((uint64_t)max) + __builtin_popcountll((uint64_t)(max >> 64)));
    return 0;
}
