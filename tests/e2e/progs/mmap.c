/* mmap DIR [fault]: anonymous and file-backed mappings, MAP_FIXED, mprotect, munmap,
 * mremap, madvise. With "fault": SIGSEGV handlers for a write to a read-only page and an
 * access to an unmapped one (needs pygrind to deliver signals). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(x) do { if ((x) < 0) { printf("FAILED: %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)
#define CHECKMAP(p) do { if ((p) == MAP_FAILED) { printf("FAILED: mmap: %s (line %d)\n", strerror(errno), __LINE__); exit(1); } } while (0)

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

static long pg;

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31 + p[i];
    return h;
}

/* Is [p, p+n) mapped? msync on an unmapped range fails with ENOMEM. */
static const char *mapped(void *p, size_t n)
{
    if (msync(p, n, MS_ASYNC) == 0)
        return "mapped";
    return errno == ENOMEM ? "unmapped" : strerror(errno);
}

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

static void faults(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGSEGV, &sa, NULL));

    unsigned char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKMAP(p);
    p[pg] = 42;
    CHECK(mprotect(p + pg, pg, PROT_READ));
    printf("read from read-only page: %d\n", p[pg]);
    if (sigsetjmp(jb, 1) == 0) {
        ((volatile unsigned char *)p)[pg + 5] = 1;
        printf("write to read-only page: no fault!\n");
    } else {
        printf("write to read-only page: SIGSEGV at page+%ld, code %s\n",
               (long)((unsigned char *)fault_addr - (p + pg)),
               fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
    }
    CHECK(munmap(p + 2 * pg, pg));
    if (sigsetjmp(jb, 1) == 0) {
        volatile unsigned char x = ((volatile unsigned char *)p)[2 * pg + 100];
        printf("read from unmapped page: no fault! %d\n", x);
    } else {
        printf("read from unmapped page: SIGSEGV at page+%ld, code %s\n",
               (long)((unsigned char *)fault_addr - (p + 2 * pg)),
               fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
    }
    CHECK(mprotect(p, pg, PROT_NONE));
    if (sigsetjmp(jb, 1) == 0) {
        volatile unsigned char x = ((volatile unsigned char *)p)[7];
        printf("read from PROT_NONE page: no fault! %d\n", x);
    } else {
        printf("read from PROT_NONE page: SIGSEGV at page+%ld, code %s\n",
               (long)((unsigned char *)fault_addr - p),
               fault_code == SEGV_ACCERR ? "SEGV_ACCERR" : fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
    }
    CHECK(mprotect(p, 2 * pg, PROT_READ | PROT_WRITE));
    p[pg + 5] = 7;
    printf("after mprotect(RW): %d %d\n", p[pg], p[pg + 5]);
    printf("faults done\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mmap DIR [fault]\n");
        return 2;
    }
    pg = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", pg);
    CHECK(chdir(argv[1]));
    if (argc > 2 && !strcmp(argv[2], "fault")) {
        faults();
        return 0;
    }

    /* anonymous: zero-filled, writable */
    size_t n = 1 << 20;
    unsigned char *a = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKMAP(a);
    printf("anon: page aligned %d, zero %d\n", ((uintptr_t)a % pg) == 0, sum(a, n) == 0);
    for (size_t i = 0; i < n; i++)
        a[i] = (unsigned char)(i ^ (i >> 8));
    printf("anon: sum %08x\n", sum(a, n));

    /* partial munmap in the middle, then MAP_FIXED over the hole */
    CHECK(munmap(a + 4 * pg, 2 * pg));
    printf("hole: %s, before: %s, after: %s\n", mapped(a + 4 * pg, pg), mapped(a + 3 * pg, pg),
           mapped(a + 6 * pg, pg));
    unsigned char *f = mmap(a + 4 * pg, 2 * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECKMAP(f);
    printf("MAP_FIXED in the hole: at hole %d, zero %d\n", f == a + 4 * pg, sum(f, 2 * pg) == 0);
    /* MAP_FIXED over existing pages replaces them */
    unsigned char *g = mmap(a + 10 * pg, pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECKMAP(g);
    printf("MAP_FIXED over data: zero %d, neighbour kept %d\n", sum(g, pg) == 0,
           a[11 * pg] == (unsigned char)((11 * pg) ^ ((11 * pg) >> 8)));
    /* MAP_FIXED_NOREPLACE over existing pages fails */
    void *h = mmap(a + 12 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over a mapping: %s\n", h == MAP_FAILED ? strerror(errno) : "mapped?!");

    /* mprotect, and mprotect of an unmapped range */
    CHECK(mprotect(a, pg, PROT_READ));
    printf("mprotect read-only, still readable: %d\n", a[1]);
    CHECK(mprotect(a, pg, PROT_READ | PROT_WRITE));
    a[1] = 99;
    printf("mprotect back to RW, written: %d\n", a[1]);
    CHECK(munmap(a, n));
    printf("after munmap: %s\n", mapped(a, n));
    printf("mprotect(unmapped): %s\n", res(mprotect(a, pg, PROT_READ)));
    printf("munmap(unaligned): %s\n", res(munmap(a + 1, pg)));
    printf("mmap(len 0): %s\n", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? strerror(errno) : "mapped?!");

    /* file-backed: MAP_SHARED writes reach the file, MAP_PRIVATE ones do not */
    int fd = open("data.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd);
    CHECK(ftruncate(fd, 3 * pg + 100));
    unsigned char *s = mmap(NULL, 3 * pg + 100, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECKMAP(s);
    for (long i = 0; i < 3 * pg + 100; i++)
        s[i] = (unsigned char)(i * 3);
    printf("shared: tail of last page zero %d\n", sum(s + 3 * pg + 100, pg - 100) == 0);
    CHECK(msync(s, 3 * pg + 100, MS_SYNC));
    unsigned char rb[256];
    CHECK(pread(fd, rb, 256, 2 * pg));
    printf("shared write seen by pread: %d\n", rb[255] == (unsigned char)((2 * pg + 255) * 3));
    CHECK(pwrite(fd, "XYZ", 3, 10));
    printf("pwrite seen through the shared map: %c%c%c\n", s[10], s[11], s[12]);
    unsigned char *pv = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, pg);
    CHECKMAP(pv);
    printf("private map at offset 1 page: byte 5 is %d (expect %d)\n", pv[5], (unsigned char)((pg + 5) * 3));
    pv[0] = 1;
    CHECK(pread(fd, rb, 1, pg));
    printf("private write not in file: %d\n", rb[0] != 1);
    printf("private: sum %08x\n", sum(pv, 2 * pg));
    CHECK(munmap(pv, 2 * pg));
    CHECK(munmap(s, 3 * pg + 100));
    unsigned char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECKMAP(ro);
    printf("read-only map: %c%c%c\n", ro[10], ro[11], ro[12]);
    CHECK(munmap(ro, pg));
    printf("mmap(unaligned offset): %s\n", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED ? strerror(errno) : "mapped?!");
    printf("mmap(bad fd): %s\n", mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 555, 0) == MAP_FAILED ? strerror(errno) : "mapped?!");
    CHECK(close(fd));
    CHECK(unlink("data.bin"));

    /* mremap: grow (may move), shrink, MREMAP_FIXED */
    unsigned char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKMAP(r);
    for (long i = 0; i < 2 * pg; i++)
        r[i] = (unsigned char)(i + 1);
    uint32_t before = sum(r, 2 * pg);
    unsigned char *r2 = mremap(r, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
    CHECKMAP(r2);
    printf("mremap grow: content kept %d, new part zero %d\n", sum(r2, 2 * pg) == before,
           sum(r2 + 2 * pg, 62 * pg) == 0);
    r2[64 * pg - 1] = 5;
    unsigned char *r3 = mremap(r2, 64 * pg, pg, 0);
    CHECKMAP(r3);
    printf("mremap shrink in place: same address %d, tail %s\n", r3 == r2, mapped(r2 + pg, pg));
    unsigned char *target = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKMAP(target);
    unsigned char *r4 = mremap(r3, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, target + 2 * pg);
    CHECKMAP(r4);
    printf("mremap fixed: at target %d, old %s, content %d %d\n", r4 == target + 2 * pg,
           mapped(r3, pg), r4[0], r4[pg - 1]);
    printf("mremap without MAYMOVE into occupied space: %s\n",
           mremap(target, pg, 4 * pg, 0) == MAP_FAILED ? strerror(errno) : "moved?!");
    CHECK(munmap(target, 8 * pg));

    /* madvise(DONTNEED) zeroes private anonymous pages */
    unsigned char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKMAP(m);
    memset(m, 0xab, 4 * pg);
    CHECK(madvise(m + pg, pg, MADV_DONTNEED));
    printf("madvise DONTNEED: page zero %d, others kept %d\n", sum(m + pg, pg) == 0,
           m[0] == 0xab && m[2 * pg] == 0xab);
    CHECK(munmap(m, 4 * pg));

    /* many small mappings, then unmapped in another order */
    void *many[200];
    for (int i = 0; i < 200; i++) {
        many[i] = mmap(NULL, (size_t)(i % 5 + 1) * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECKMAP(many[i]);
        ((unsigned char *)many[i])[0] = (unsigned char)i;
    }
    int ok = 1;
    for (int i = 0; i < 200; i++)
        ok &= ((unsigned char *)many[(i * 7) % 200])[0] == (unsigned char)((i * 7) % 200);
    for (int i = 0; i < 200; i++)
        CHECK(munmap(many[(i * 13) % 200], (size_t)((i * 13) % 200 % 5 + 1) * pg));
    printf("200 mappings: ok %d\n", ok);

    /* brk through sbrk */
    void *b0 = sbrk(0);
    void *b1 = sbrk(1 << 20);
    printf("sbrk: grew %d\n", b1 == b0 && sbrk(0) == (char *)b0 + (1 << 20));
    memset(b1, 1, 1 << 20);
    sbrk(-(1 << 20));
    printf("sbrk: shrunk %d\n", sbrk(0) == b0);
    printf("done\n");
    return 0;
}
