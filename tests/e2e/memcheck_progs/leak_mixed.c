/* Several kinds of leak at once, of different sizes, from two different allocation sites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
    char *a;
    char *b;
};

static char *reachable;          /* start of a block */
static char *interior;           /* middle of a block */
static struct pair *kept_pair;   /* a reachable block pointing to two more */

static __attribute__((noinline)) char *make_bytes(int n)
{
    char *p = malloc(n);
    memset(p, 'x', n);
    return p;
}

static __attribute__((noinline)) struct pair *make_pair(int na, int nb)
{
    struct pair *p = malloc(sizeof *p);
    p->a = make_bytes(na);
    p->b = make_bytes(nb);
    return p;
}

static __attribute__((noinline)) void leak_some(void)
{
    /* definitely lost, 100 bytes, make_bytes */
    make_bytes(100);
    /* definitely lost, 3 * 33 bytes (one loss record), make_bytes */
    for (int i = 0; i < 3; i++)
        make_bytes(33);
    /* definitely lost pair (16 bytes) with two indirectly lost blocks (7 and 9 bytes) */
    make_pair(7, 9);
    /* still reachable, 200 bytes */
    reachable = make_bytes(200);
    /* possibly lost, 48 bytes */
    interior = make_bytes(48) + 8;
    /* still reachable pair and its two blocks (300 and 301 bytes) */
    kept_pair = make_pair(300, 301);
    /* freed: no leak */
    free(make_bytes(1000));
}

int main(void)
{
    leak_some();
    printf("%c%c%c%c\n", reachable[0], interior[0], kept_pair->a[0], kept_pair->b[300]);
    return 0;
}
