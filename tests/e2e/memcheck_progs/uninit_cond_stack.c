/* Conditional jump or move depends on uninitialised value(s): a branch on a local variable
 * that was never written (-O0 keeps it in the stack frame). */
#include <stdio.h>

static __attribute__((noinline)) int check(int n)
{
    int x; /* never written */
    int r = 0;
    if (n > 0)
        r = 2;
    if (x == 42)
        r = 1;
    return r;
}

int main(int argc, char **argv)
{
    (void)argv;
    int r = check(argc - 1);
    printf("checked %d\n", r & 0);
    return 0;
}
