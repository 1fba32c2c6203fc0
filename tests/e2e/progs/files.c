/* files DIR: create, write, read back, seek, stat, rename, link, truncate, unlink files in
 * DIR (an empty directory). Prints only things that do not depend on DIR or on time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

static uint32_t fnv(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void show_stat(const char *name)
{
    struct stat st;
    if (stat(name, &st) < 0) {
        printf("stat(%s): %s\n", name, strerror(errno));
        return;
    }
    printf("stat(%s): size=%lld mode=%o reg=%d dir=%d lnk=%d nlink=%ld blocks>0=%d\n", name,
           (long long)st.st_size, st.st_mode & 07777, S_ISREG(st.st_mode) != 0,
           S_ISDIR(st.st_mode) != 0, S_ISLNK(st.st_mode) != 0, (long)st.st_nlink,
           st.st_blocks > 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    CHECK(chdir(argv[1]));
    umask(022);

    /* A 100 KiB pattern, written in pieces of odd sizes. */
    size_t big = 100 * 1024 + 17;
    unsigned char *buf = malloc(big), *back = malloc(big);
    for (size_t i = 0; i < big; i++)
        buf[i] = (unsigned char)(i * 7 + (i >> 9));
    int fd = open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0640);
    CHECK(fd);
    size_t off = 0, piece = 1;
    while (off < big) {
        size_t n = piece < big - off ? piece : big - off;
        ssize_t w = write(fd, buf + off, n);
        CHECK(w);
        off += (size_t)w;
        piece = piece * 3 + 1;
    }
    CHECK(fsync(fd));
    CHECK(close(fd));
    printf("wrote %zu bytes, fnv=%08x\n", big, fnv(buf, big));
    int again = open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0640);
    printf("open O_EXCL again: %d %s\n", again, again < 0 ? strerror(errno) : "?");

    /* Read back in chunks of odd sizes. */
    fd = open("a.txt", O_RDONLY);
    CHECK(fd);
    off = 0;
    piece = 5;
    int reads = 0;
    for (;;) {
        ssize_t r = read(fd, back + off, piece);
        CHECK(r);
        if (r == 0)
            break;
        off += (size_t)r;
        reads++;
        piece = piece * 2 + 3;
        if (piece > big - off + 1000)
            piece = big - off + 1000;
    }
    printf("read back %zu bytes in %d reads, same=%d, fnv=%08x\n", off, reads,
           off == big && memcmp(buf, back, big) == 0, fnv(back, off));

    /* lseek and pread. */
    printf("lseek(SEEK_END)=%lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek(SEEK_SET, 1000)=%lld\n", (long long)lseek(fd, 1000, SEEK_SET));
    unsigned char small[16];
    ssize_t got = read(fd, small, sizeof small);
    printf("read=%zd first=%u (expect %u)\n", got, small[0], buf[1000]);
    printf("lseek(SEEK_CUR, -6)=%lld\n", (long long)lseek(fd, -6, SEEK_CUR));
    got = pread(fd, small, 3, 50000);
    printf("pread(50000)=%zd byte=%u (expect %u)\n", got, small[0], buf[50000]);
    printf("lseek(SEEK_CUR)=%lld after pread\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("read at end: %zd\n", pread(fd, small, 16, (off_t)big));
    CHECK(close(fd));
    printf("read from a closed fd: %s\n", res(read(fd, small, 1)));

    show_stat("a.txt");
    struct stat st;
    CHECK(lstat("a.txt", &st));
    printf("lstat size=%lld\n", (long long)st.st_size);

    /* pwrite, O_APPEND, writev/readv, ftruncate. */
    fd = open("a.txt", O_RDWR);
    CHECK(fd);
    CHECK(pwrite(fd, "HELLO", 5, 10));
    CHECK(ftruncate(fd, 64));
    CHECK(fstat(fd, &st));
    printf("after ftruncate(64): size=%lld\n", (long long)st.st_size);
    CHECK(pread(fd, small, 16, 8));
    printf("bytes 8..23:");
    for (int i = 0; i < 16; i++)
        printf(" %02x", small[i]);
    printf("\n");
    CHECK(close(fd));
    fd = open("a.txt", O_WRONLY | O_APPEND);
    CHECK(fd);
    struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
    printf("writev=%zd\n", writev(fd, iov, 3));
    CHECK(close(fd));
    fd = open("a.txt", O_RDONLY);
    CHECK(fd);
    char p1[60], p2[8], p3[20];
    struct iovec riov[3] = {{p1, sizeof p1}, {p2, sizeof p2}, {p3, sizeof p3}};
    ssize_t rv = readv(fd, riov, 3);
    printf("readv=%zd tail=\"%.4s|%.8s|%.6s\"\n", rv, p1 + 56, p2, p3);
    CHECK(close(fd));
    show_stat("a.txt");

    /* dup, dup2, fcntl. */
    fd = open("a.txt", O_RDONLY | O_CLOEXEC);
    CHECK(fd);
    printf("FD_CLOEXEC=%d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    int fd2 = dup(fd);
    CHECK(fd2);
    printf("dup: FD_CLOEXEC=%d, shares offset: ", (fcntl(fd2, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(lseek(fd, 20, SEEK_SET));
    printf("%lld\n", (long long)lseek(fd2, 0, SEEK_CUR));
    CHECK(dup2(fd, 100));
    printf("dup2 -> 100: lseek=%lld\n", (long long)lseek(100, 0, SEEK_CUR));
    CHECK(close(100));
    CHECK(close(fd2));
    CHECK(close(fd));

    /* rename, link, symlink, readlink, access, chmod. */
    CHECK(rename("a.txt", "b.txt"));
    show_stat("a.txt");
    show_stat("b.txt");
    printf("access(a.txt)=%d access(b.txt, R_OK|W_OK)=%d\n", access("a.txt", F_OK),
           access("b.txt", R_OK | W_OK));
    CHECK(link("b.txt", "c.txt"));
    show_stat("b.txt");
    CHECK(symlink("b.txt", "s.lnk"));
    char target[64];
    ssize_t tl = readlink("s.lnk", target, sizeof target - 1);
    CHECK(tl);
    target[tl] = 0;
    printf("readlink(s.lnk)=\"%s\"\n", target);
    CHECK(lstat("s.lnk", &st));
    printf("lstat(s.lnk): lnk=%d size=%lld\n", S_ISLNK(st.st_mode) != 0, (long long)st.st_size);
    show_stat("s.lnk");
    CHECK(chmod("b.txt", 0600));
    show_stat("c.txt");
    int at = openat(AT_FDCWD, "c.txt", O_RDONLY);
    CHECK(at);
    CHECK(close(at));
    CHECK(fstatat(AT_FDCWD, "s.lnk", &st, AT_SYMLINK_NOFOLLOW));
    printf("fstatat nofollow: lnk=%d\n", S_ISLNK(st.st_mode) != 0);

    /* stdio on top. */
    FILE *f = fopen("d.txt", "w+");
    if (!f) {
        printf("fopen failed\n");
        return 1;
    }
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d: %d\n", i, i * i);
    rewind(f);
    char line[64];
    long sum = 0;
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        int a, b;
        if (sscanf(line, "line %d: %d", &a, &b) == 2)
            sum += b - (long)a * a;
        lines++;
    }
    printf("stdio: %d lines, sum of errors %ld, ftell=%ld\n", lines, sum, ftell(f));
    fclose(f);
    show_stat("d.txt");

    /* unlink, and errors from missing files. */
    CHECK(unlink("s.lnk"));
    CHECK(unlink("b.txt"));
    show_stat("c.txt");
    CHECK(unlink("c.txt"));
    CHECK(unlink("d.txt"));
    printf("unlink(missing)=%s\n", res(unlink("missing")));
    printf("open(missing)=%s\n", res(open("missing", O_RDONLY)));
    printf("open(dir/missing, O_CREAT)=%s\n", res(open("nodir/x", O_CREAT | O_WRONLY, 0644)));
    printf("rmdir(file-less)=%s\n", res(rmdir("missing")));
    free(buf);
    free(back);
    printf("done\n");
    return 0;
}
