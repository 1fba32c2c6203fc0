/* Definitely lost: a block whose only pointer is dropped. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) int *make(int n)
{
    return malloc(n * sizeof(int));
}

static __attribute__((noinline)) int lose(void)
{
    int *p = make(10);
    for (int i = 0; i < 10; i++)
        p[i] = i;
    return p[9]; /* the pointer dies with this frame */
}

int main(void)
{
    printf("lost a block holding %d\n", lose());
    return 0;
}
