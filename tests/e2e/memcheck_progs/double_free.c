/* Double free: the same malloc'd block freed twice.
 *
 * So that the native run does not die in glibc's own checks ("free(): double free detected
 * in tcache 2"), the first free of the block goes to a fastbin (this size's tcache bin is
 * full) and the second to the tcache (one entry was taken out in between): glibc does not
 * notice, and the program never allocates this size again. Under memcheck the second free
 * is reported and ignored. */
#include <stdio.h>
#include <stdlib.h>

#define FILL 7 /* glibc's tcache holds 7 chunks of each size */

static __attribute__((noinline)) char *make(int n)
{
    return malloc(n);
}

static __attribute__((noinline)) void release(void *p)
{
    free(p);
}

int main(void)
{
    char *fill[FILL];
    printf("start\n"); /* stdio's buffer is allocated here, before any of the frees */
    char *a = make(40);
    for (int i = 0; i < FILL; i++)
        fill[i] = make(40);
    a[0] = 'a';
    for (int i = 0; i < FILL; i++)
        release(fill[i]);
    release(a);          /* first free */
    char *b = make(40);  /* one out of the tcache */
    release(a);          /* second free: "Invalid free()" */
    release(b);
    printf("done\n");
    return 0;
}
