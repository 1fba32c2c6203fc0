/* String functions: strlen, memchr, strcmp, memcpy over many odd-sized strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 200;
    size_t n = 1 << 16;
    char *a = malloc(n + 64), *b = malloc(n + 64);
    for (size_t i = 0; i < n; i++) a[i] = (char)('a' + i % 23);
    a[n] = 0;
    unsigned long acc = 0;
    for (long r = 0; r < rounds; r++) {
        for (size_t len = 1; len < n; len = len * 3 + 1) {
            memcpy(b + (r & 7), a + (len & 15), len);
            b[(r & 7) + len] = 0;
            acc += strlen(b + (r & 7));
            acc += strcmp(a, b + (r & 7)) < 0;
            acc += memchr(b, 'w', len) != NULL;
        }
    }
    printf("%lu\n", acc);
    free(a);
    free(b);
    return 0;
}
