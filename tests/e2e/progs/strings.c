/* strings: glibc's vectorized string functions on every length 0..80 and alignment
 * 0..15, one checksum line per (function, alignment); then strings that end at the
 * last byte of a page followed by an inaccessible page (no over-read may fault).
 * Built with -fno-builtin so that every call reaches libc. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXLEN 80
#define NALIGN 16
#define BUFSZ 256
#define BASE 48            /* where the strings under test start, before alignment */

/* The harness's own copies and checks use __builtin_ functions (inlined, or at worst
 * the same libc calls); what is under test are the plain calls in the switch below. */
static unsigned char *bufa, *bufb;
static unsigned char pata[BUFSZ], patb[BUFSZ];

static uint32_t h;
static void mix(uint64_t v) { h = (h ^ (uint32_t)v ^ (uint32_t)(v >> 32)) * 16777619u + 0x9e3779b9u; }
static int sign(int v) { return (v > 0) - (v < 0); }
static long off(const void *p, const void *base) { return p ? (long)((const char *)p - (const char *)base) : -1; }

/* Mix bytes [from, to) of a buffer, 8 at a time. */
static void mixbuf(const unsigned char *p, size_t from, size_t to)
{
    from &= ~(size_t)7;
    for (size_t i = from; i < to; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8);
        mix(w);
    }
}

/* Printable, non-zero bytes (so strings have no early NUL). */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
}

static void reset(void)
{
    __builtin_memcpy(bufa, pata, BUFSZ);
    __builtin_memcpy(bufb, patb, BUFSZ);
}

int main(void)
{
    bufa = aligned_alloc(64, BUFSZ);
    bufb = aligned_alloc(64, BUFSZ);
    fill(pata, BUFSZ, 0);
    fill(patb, BUFSZ, 3);
    static const char *names[] = {"memcpy", "memmove-fwd", "memmove-back", "memset", "memcmp", "strlen",
                                  "strnlen", "strchr", "strrchr", "memchr", "memrchr", "strcmp",
                                  "strncmp", "strcpy", "stpcpy", "strncpy", "strcat", "strstr",
                                  "strspn", "strcspn", "strcasecmp", "rawmemchr"};
    const int nfn = sizeof names / sizeof names[0];
    for (int fn = 0; fn < nfn; fn++) {
        for (int al = 0; al < NALIGN; al++) {
            h = 2166136261u;
            for (int len = 0; len <= MAXLEN; len++) {
                reset();
                unsigned char *a = bufa + BASE + al;             /* source / first string */
                unsigned char *b = bufb + BASE + (al * 7) % 16;  /* destination / second string */
                size_t lo = BASE - 32, hi = BASE + 16 + len + 32;   /* what a call may change */
                int r = 0;
                long o = 0;
                switch (fn) {
                case 0:
                    o = off(memcpy(b, a, len), bufb);
                    mixbuf(bufb, lo, hi);
                    break;
                case 1: /* overlapping, destination before source */
                    o = off(memmove(a - 1 - len / 3, a, len), bufa);
                    mixbuf(bufa, lo, hi);
                    break;
                case 2: /* overlapping, destination after source */
                    o = off(memmove(a + 1 + len / 3, a, len), bufa);
                    mixbuf(bufa, lo, hi);
                    break;
                case 3:
                    o = off(memset(a, 0x80 + len, len), bufa);
                    mixbuf(bufa, lo, hi);
                    break;
                case 4:
                    memcpy(b, a, len);
                    r = sign(memcmp(a, b, len));
                    for (int k = 0; k < len; k += 1 + len / 5) {
                        b[k] ^= 0x40;
                        mix(sign(memcmp(a, b, len)) + 3 * k);
                        mix(sign(memcmp(b, a, len)));
                        b[k] ^= 0x40;
                    }
                    break;
                case 5:
                    a[len] = 0;
                    r = (int)strlen((char *)a);
                    break;
                case 6:
                    a[len] = 0;
                    r = (int)strnlen((char *)a, len / 2) * 1000 + (int)strnlen((char *)a, len + 5);
                    break;
                case 7:
                    a[len] = 0;
                    for (int k = 0; k < 26; k += 5)
                        mix(off(strchr((char *)a, 'a' + k), a));
                    o = off(strchr((char *)a, 0), a);
                    break;
                case 8:
                    a[len] = 0;
                    for (int k = 0; k < 26; k += 5)
                        mix(off(strrchr((char *)a, 'a' + k), a));
                    o = off(strrchr((char *)a, 0), a);
                    break;
                case 9:
                    for (int k = 0; k < 26; k += 3)
                        mix(off(memchr(a, 'a' + k, len), a));
                    o = off(memchr(a, 0x100 + 'c', len), a);
                    break;
                case 10:
                    for (int k = 0; k < 26; k += 3)
                        mix(off(memrchr(a, 'a' + k, len), a));
                    break;
                case 11:
                    a[len] = 0;
                    memcpy(b, a, len + 1);
                    r = sign(strcmp((char *)a, (char *)b));
                    for (int k = 0; k < len; k += 1 + len / 4) {
                        b[k] = (unsigned char)(b[k] + 1);
                        mix(sign(strcmp((char *)a, (char *)b)) * 100 + k);
                        b[k] = 0xe0;   /* a high byte: comparisons are unsigned */
                        mix(sign(strcmp((char *)b, (char *)a)));
                        b[k] = a[k];
                    }
                    b[len] = 'x';
                    b[len + 1] = 0;
                    mix(sign(strcmp((char *)a, (char *)b)));
                    break;
                case 12:
                    a[len] = 0;
                    memcpy(b, a, len + 1);
                    if (len > 3)
                        b[len - 2] ^= 1;
                    for (int n = 0; n <= len + 2; n += 1 + len / 6)
                        mix(sign(strncmp((char *)a, (char *)b, n)) + 10 * n);
                    break;
                case 13:
                    a[len] = 0;
                    o = off(strcpy((char *)b, (char *)a), bufb);
                    mixbuf(bufb, lo, hi);
                    break;
                case 14:
                    a[len] = 0;
                    o = off(stpcpy((char *)b, (char *)a), bufb);
                    mixbuf(bufb, lo, hi);
                    break;
                case 15:
                    a[len / 2] = 0;
                    o = off(strncpy((char *)b, (char *)a, len), bufb);
                    mixbuf(bufb, lo, hi);
                    break;
                case 16:
                    a[len] = 0;
                    b[(al * 3) % 17] = 0;
                    o = off(strcat((char *)b, (char *)a), bufb);
                    mixbuf(bufb, lo, hi);
                    break;
                case 17: {
                    a[len] = 0;
                    static const char *needles[] = {"", "a", "hov", "zgn", "tahovc", "xyz", "aho", "jqxel"};
                    for (int k = 0; k < 8; k++)
                        mix(off(strstr((char *)a, needles[k]), a));
                    if (len > 10) {
                        char nd[12];
                        memcpy(nd, a + len - 9, 9);
                        nd[9] = 0;
                        o = off(strstr((char *)a, nd), a);
                    }
                    break;
                }
                case 18:
                    a[len] = 0;
                    r = (int)strspn((char *)a, "ahovcjqxelszgnu") * 100 + (int)strspn((char *)a, "abcdefghijklm");
                    break;
                case 19:
                    a[len] = 0;
                    r = (int)strcspn((char *)a, "zy") * 100 + (int)strcspn((char *)a, "q");
                    break;
                case 20:
                    a[len] = 0;
                    memcpy(b, a, len + 1);
                    for (int k = 0; k < len; k += 3)
                        b[k] = (unsigned char)(b[k] - 32);   /* upper case */
                    r = sign(strcasecmp((char *)a, (char *)b));
                    if (len)
                        b[len - 1] = '[';
                    mix(sign(strcasecmp((char *)a, (char *)b)));
                    break;
                case 21:
                    a[len] = 'Q';
                    o = off(rawmemchr(a, 'Q'), a);
                    break;
                }
                mix((uint64_t)r);
                mix((uint64_t)o);
            }
            printf("%-12s align %2d: %08x\n", names[fn], al, h);
        }
    }

    /* Strings ending at the last byte of a page, followed by a PROT_NONE page. */
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *dst = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED || dst == MAP_FAILED || mprotect(two + pg, pg, PROT_NONE) != 0
        || mprotect(dst + pg, pg, PROT_NONE) != 0) {
        printf("mmap/mprotect failed\n");
        return 1;
    }
    unsigned char *end = two + pg;   /* first inaccessible byte */
    h = 2166136261u;
    for (int len = 0; len <= 200; len++) {
        __builtin_memcpy(two + pg - 256, pata + (len % 26), 230);
        __builtin_memcpy(two + pg - 26, pata, 26);
        end[-1] = 0;
        char *s = (char *)end - 1 - len;   /* s[len] is the NUL, the page's last byte */
        mix(strlen(s));
        mix(off(strchr(s, 'q'), s));
        mix(off(strrchr(s, 'e'), s));
        mix(off(strchr(s, 0), s));
        mix(off(memchr(s, 'z', len + 1), s));
        mix(off(memrchr(s, 'a', len + 1), s));
        mix(off(rawmemchr(s, 0), s));
        mix(strnlen(s, 1000));
        mix(sign(strcmp(s, s)));
        mix(sign(strncmp(s, s, 5000)));
        mix(sign(memcmp(s, end - 1 - len, len + 1)));
        char *d = (char *)dst + pg - 1 - len;   /* destination also ends at a page end */
        mix(off(strcpy(d, s), dst));
        mix(sign(strcmp(d, s)));
        mix(off(memcpy(d, s, len + 1), dst));
        mix(off(strstr(s, "xyz"), s));
        for (int k = 0; k <= len; k++)
            mix((unsigned char)d[k]);
    }
    printf("page end: %08x\n", h);
    printf("done\n");
    return 0;
}
