/* Reads /proc/self/maps: the mapping holding main must be executable and named after
   this program; the one holding a local variable must be the stack; the one holding a
   malloc'd block (small: from brk) the heap. Prints only what is the same natively. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *find(unsigned long a, char *perms, char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char p[8], path[400] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %399s", &lo, &hi, p, path) >= 3 && lo <= a && a < hi) {
            strcpy(perms, p);
            strcpy(name, path);
            fclose(f);
            return name;
        }
    }
    if (f)
        fclose(f);
    return NULL;
}

int main(int argc, char **argv)
{
    char perms[8], name[400];
    int local = 0;
    void *heap = malloc(32);
    if (find((unsigned long)&main, perms, name))
        printf("main: %s, named after the program: %d\n", perms,
               strstr(argv[0], strrchr(name, '/') + 1) != NULL);
    if (find((unsigned long)&local, perms, name))
        printf("local: %s %s\n", perms, name);
    if (find((unsigned long)heap, perms, name))
        printf("heap: %s %s\n", perms, name);
    free(heap);
    return 0;
}
