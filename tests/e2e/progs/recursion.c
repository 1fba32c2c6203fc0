/* recursion: depth 100,000 with a small frame (built -O0 so that the calls stay). */
#include <stdio.h>

static long rec(long n)
{
    if (n == 0)
        return 0;
    return rec(n - 1) + (n % 7);
}

static int ack(int m, int n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

int main(void)
{
    printf("rec(100000) = %ld\n", rec(100000));
    printf("rec(1000) = %ld\n", rec(1000));
    printf("ack(2, 300) = %d\n", ack(2, 300));
    return 0;
}
