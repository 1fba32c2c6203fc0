/* dirs DIR: mkdir, opendir/readdir (sorted), scandir, chdir, rmdir in DIR (empty). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(x) do { if ((x) < 0) { printf("FAILED: %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

/* "r" or "r strerror(errno)" for a call's result r, read after the call returned. */
static const char *res(long r)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    if (r < 0)
        snprintf(b, sizeof bufs[0], "%ld %s", r, strerror(errno));
    else
        snprintf(b, sizeof bufs[0], "%ld", r);
    return b;
}

static void list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir(%s): %s\n", path, strerror(errno));
        return;
    }
    char *names[512];
    int types[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        names[n] = strdup(e->d_name);
        types[n] = e->d_type;
        n++;
    }
    closedir(d);
    /* sort names, carrying the types along */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i]; names[i] = names[j]; names[j] = t;
                int u = types[i]; types[i] = types[j]; types[j] = u;
            }
    printf("%s: %d entries:", path, n);
    for (int i = 0; i < n; i++) {
        const char *k = types[i] == DT_DIR ? "/" : types[i] == DT_REG ? "" :
                        types[i] == DT_LNK ? "@" : types[i] == DT_UNKNOWN ? "?" : "*";
        printf(" %s%s", names[i], k);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dirs DIR\n");
        return 2;
    }
    CHECK(chdir(argv[1]));
    umask(022);
    list(".");
    CHECK(mkdir("top", 0755));
    printf("mkdir(top) again: %s\n", res(mkdir("top", 0755)));
    char name[64];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "top/sub%02d", (i * 17) % 40);
        CHECK(mkdir(name, 0700 + (i % 8)));
    }
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof name, "top/file-%03d.txt", (i * 7) % 60);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        CHECK(fd);
        CHECK(write(fd, name, strlen(name)));
        CHECK(close(fd));
    }
    CHECK(symlink("sub00", "top/link"));
    list("top");

    struct dirent **nl;
    int n = scandir("top", &nl, NULL, alphasort);
    CHECK(n);
    printf("scandir: %d, first=%s last=%s\n", n, nl[0]->d_name, nl[n - 1]->d_name);
    for (int i = 0; i < n; i++)
        free(nl[i]);
    free(nl);

    struct stat st;
    CHECK(stat("top/sub05", &st));
    printf("stat(top/sub05): dir=%d mode=%o\n", S_ISDIR(st.st_mode) != 0, st.st_mode & 07777);

    /* chdir / fchdir / getcwd (only the last component is printed) */
    int here = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(here);
    CHECK(chdir("top/sub07"));
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
        printf("getcwd failed: %s\n", strerror(errno));
        return 1;
    }
    printf("cwd ends with /top/sub07: %d\n",
           strlen(cwd) > 10 && !strcmp(cwd + strlen(cwd) - 10, "/top/sub07"));
    CHECK(mkdir("deeper", 0755));
    CHECK(mkdir("deeper/still", 0755));
    list("deeper");
    CHECK(fchdir(here));
    CHECK(close(here));
    list("top/sub07");

    /* errors */
    printf("rmdir(top) not empty: %s\n", res(rmdir("top")));
    printf("rmdir(file): %s\n", res(rmdir("top/file-000.txt")));
    printf("mkdir(missing/x): %s\n", res(mkdir("missing/x", 0755)));
    printf("opendir(file): %s\n", opendir("top/file-001.txt") ? "opened?" : strerror(errno));

    /* tear everything down again */
    CHECK(rmdir("top/sub07/deeper/still"));
    CHECK(rmdir("top/sub07/deeper"));
    CHECK(unlink("top/link"));
    DIR *d = opendir("top");
    if (!d)
        return 1;
    struct dirent *e;
    int removed = 0;
    int dfd = dirfd(d);
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int r = unlinkat(dfd, e->d_name, e->d_type == DT_DIR ? AT_REMOVEDIR : 0);
        CHECK(r);
        removed++;
    }
    closedir(d);
    printf("removed %d entries\n", removed);
    list("top");
    CHECK(rmdir("top"));
    list(".");
    printf("done\n");
    return 0;
}
