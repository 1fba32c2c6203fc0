/* A struct with padding copied by memcpy (the padding is uninitialised and is copied as
 * such) and compared field by field; bitfields set one by one and read back: clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct padded {
    char c;     /* 3 bytes of padding after */
    int i;
    short s;    /* 6 bytes of padding after */
    double d;
    char tail;  /* 7 bytes of padding after */
};

struct bits {
    unsigned a : 3;
    unsigned b : 5;
    unsigned c : 1;
    unsigned d : 11;
    signed e : 4;
};

static __attribute__((noinline)) struct padded *make(void)
{
    struct padded *p = malloc(sizeof *p);
    p->c = 'x';
    p->i = 12345;
    p->s = -7;
    p->d = 1.5;
    p->tail = 'y';
    return p;
}

static __attribute__((noinline)) int same(const struct padded *a, const struct padded *b)
{
    return a->c == b->c && a->i == b->i && a->s == b->s && a->d == b->d && a->tail == b->tail;
}

int main(void)
{
    struct padded *p = make();
    struct padded *q = malloc(sizeof *q);
    memcpy(q, p, sizeof *p);
    struct padded local;
    memcpy(&local, q, sizeof local);
    printf("same %d %d, size %zu\n", same(p, q), same(q, &local), sizeof *p);

    struct bits *b = malloc(sizeof *b);
    b->a = 5;
    b->b = 17;
    b->c = 1;
    b->d = 1000;
    b->e = -3;
    int ok = b->a == 5 && b->b == 17 && b->c == 1 && b->d == 1000 && b->e == -3;
    struct bits sb;
    sb.c = 0;
    sb.e = 7;
    sb.a = 2;
    printf("bits %d %u %u %u %u %d | %u %d %d\n", ok, b->a, b->b, b->c, b->d, b->e,
           sb.a, sb.e, sb.c == 0);
    free(p);
    free(q);
    free(b);
    return 0;
}
