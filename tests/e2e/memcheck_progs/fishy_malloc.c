/* Argument 'size' of function malloc has a fishy (possibly negative) value: sizes computed
 * from negative ints. malloc fails and returns NULL, natively and under memcheck. */
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) void *make(long n)
{
    return malloc((size_t)n);
}

int main(void)
{
    void *a = make(-1);
    void *b = make(-100);
    printf("%s %s\n", a ? "non-NULL" : "NULL", b ? "non-NULL" : "NULL");
    free(a);
    free(b);
    return 0;
}
