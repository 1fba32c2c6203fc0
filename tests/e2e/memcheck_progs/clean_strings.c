/* strlen, strcpy, strcmp, memcpy, memcmp and strchr over every length 0..67 at every
 * alignment 0..15 of heap blocks (sized exactly) and stack buffers (the bytes after the
 * string left uninitialised): clean. glibc's vectorised versions read past the string's
 * end within an aligned word; memcheck must not report that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLEN 68
#define ALIGNS 16

static unsigned long check;

static __attribute__((noinline)) void fill(char *s, int len, int seed)
{
    for (int i = 0; i < len; i++)
        s[i] = (char)('A' + (i * 7 + seed) % 26);
    s[len] = '\0';
}

static __attribute__((noinline)) void exercise(char *src, char *dst, int len)
{
    check = check * 31 + strlen(src);
    strcpy(dst, src);
    check = check * 31 + (unsigned long)(strcmp(dst, src) == 0);
    check = check * 31 + (unsigned long)(memcmp(dst, src, len + 1) == 0);
    char *c = strchr(src, 'Z');
    check = check * 31 + (c ? (unsigned long)(c - src) + 1 : 0);
    check = check * 31 + (strchr(src, '\0') == src + len);
    if (len > 0) {
        memcpy(dst, src, len - 1);
        dst[len - 1] = '!';
        int cmp = strcmp(dst, src);
        check = check * 31 + (unsigned long)(cmp > 0 ? 1 : cmp < 0 ? 2 : 3);
        cmp = memcmp(dst, src, len);
        check = check * 31 + (unsigned long)(cmp > 0 ? 1 : cmp < 0 ? 2 : 3);
    }
}

static __attribute__((noinline)) void on_heap(int len, int al)
{
    char *src = malloc(al + len + 1);
    char *dst = malloc(al + len + 1);
    fill(src + al, len, al);
    exercise(src + al, dst + al, len);
    free(src);
    free(dst);
}

static __attribute__((noinline)) void on_stack(int len, int al)
{
    char src[MAXLEN + ALIGNS + 8];
    char dst[MAXLEN + ALIGNS + 8];
    fill(src + al, len, al + 3);
    exercise(src + al, dst + al, len);
}

int main(void)
{
    for (int len = 0; len < MAXLEN; len++)
        for (int al = 0; al < ALIGNS; al++) {
            on_heap(len, al);
            on_stack(len, al);
        }
    printf("check %lu\n", check);
    return 0;
}
