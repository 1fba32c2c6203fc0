/* Memory streaming: copy and sum large arrays (memcpy and loads/stores). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : (4u << 20);
    unsigned *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) a[i] = (unsigned)(i * 2654435761u);
    unsigned long s = 0;
    for (int r = 0; r < 4; r++) {
        memcpy(b, a, n * sizeof *a);
        for (size_t i = 0; i < n; i += 4) s += b[i];
    }
    printf("%lu\n", s);
    free(a);
    free(b);
    return 0;
}
