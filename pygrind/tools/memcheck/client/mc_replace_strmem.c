/* Memcheck's replacements of the C library's string and memory functions, run as client
 * code (this object is mapped into the client, and the library's functions, with all
 * their vectorised variants, are redirected here).
 *
 * Why: glibc's SSE/AVX versions read whole aligned words past the end of a string, which
 * is harmless natively but looks like invalid reads and uses of undefined bytes to a
 * byte-exact checker. These are plain byte loops, instrumented like any client code, so
 * every byte they read is checked exactly as the program's own reads are. The copying
 * functions also report overlapping source and destination ("Source and destination
 * overlap in memcpy(...)") through mc_report_overlap, whose address memcheck replaces
 * with a call into its native error reporting.
 *
 * Built freestanding (no libc, no builtins, no loop-to-call rewriting) and position
 * independent, with no data and no relocations: it is mapped as it is.
 */

typedef unsigned long size_t;
typedef unsigned long uintptr_t;
typedef int wchar_t;

#define EXPORT __attribute__((visibility("default"), noinline, used))

/* which function found an overlap (memcheck's heap.py has their names) */
enum { OV_MEMCPY, OV_STRCPY, OV_STRNCPY, OV_STRCAT, OV_STRNCAT, OV_STPCPY, OV_MEMPCPY,
       OV_STPNCPY, OV_MEMCPY_CHK, OV_STRCPY_CHK, OV_STPCPY_CHK, OV_MEMPCPY_CHK };

/* Replaced by memcheck (a call into its error reporting); natively it does nothing. */
EXPORT void mc_report_overlap(long fn, const void *dst, const void *src, size_t len)
{
    __asm__ volatile("" : : "r"(fn), "r"(dst), "r"(src), "r"(len) : "memory");
}

static int overlap(const void *dst, const void *src, size_t dstlen, size_t srclen)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (dstlen == 0 || srclen == 0)
        return 0;
    if (s < d)
        return s + srclen - 1 >= d;
    if (d < s)
        return d + dstlen - 1 >= s;
    return 1;
}

static void die(const char *msg, size_t n)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(1L), "D"(2L), "S"(msg), "d"(n) : "rcx", "r11", "memory");
    __asm__ volatile("syscall" : "=a"(r) : "0"(231L), "D"(1L) : "rcx", "r11", "memory");
    for (;;)
        ;
}

EXPORT size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

EXPORT size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

EXPORT char *strcpy(char *dst, const char *src)
{
    const char *s = src;
    char *d = dst;
    while (*s)
        *d++ = *s++;
    *d = 0;
    if (overlap(dst, src, (size_t)(d - dst) + 1, (size_t)(s - src) + 1))
        mc_report_overlap(OV_STRCPY, dst, src, 0);
    return dst;
}

EXPORT char *stpcpy(char *dst, const char *src)
{
    const char *s = src;
    char *d = dst;
    while (*s)
        *d++ = *s++;
    *d = 0;
    if (overlap(dst, src, (size_t)(d - dst) + 1, (size_t)(s - src) + 1))
        mc_report_overlap(OV_STPCPY, dst, src, 0);
    return d;
}

EXPORT char *strncpy(char *dst, const char *src, size_t n)
{
    size_t m = 0;
    while (m < n && src[m]) {
        dst[m] = src[m];
        m++;
    }
    if (overlap(dst, src, n, m + (m < n)))
        mc_report_overlap(OV_STRNCPY, dst, src, n);
    while (m < n)
        dst[m++] = 0;
    return dst;
}

EXPORT char *stpncpy(char *dst, const char *src, size_t n)
{
    size_t m = 0;
    while (m < n && src[m]) {
        dst[m] = src[m];
        m++;
    }
    char *end = dst + m;
    if (overlap(dst, src, n, m + (m < n)))
        mc_report_overlap(OV_STPNCPY, dst, src, n);
    while (m < n)
        dst[m++] = 0;
    return end;
}

EXPORT char *strcat(char *dst, const char *src)
{
    char *d = dst;
    const char *s = src;
    while (*d)
        d++;
    while (*s)
        *d++ = *s++;
    *d = 0;
    if (overlap(dst, src, (size_t)(d - dst) + 1, (size_t)(s - src) + 1))
        mc_report_overlap(OV_STRCAT, dst, src, 0);
    return dst;
}

EXPORT char *strncat(char *dst, const char *src, size_t n)
{
    char *d = dst;
    size_t m = 0;
    while (*d)
        d++;
    while (m < n && src[m]) {
        *d++ = src[m];
        m++;
    }
    *d = 0;
    if (overlap(dst, src, (size_t)(d - dst) + 1, m + (m < n)))
        mc_report_overlap(OV_STRNCAT, dst, src, n);
    return dst;
}

EXPORT int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    return (int)*x - (int)*y;
}

EXPORT int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i] || !x[i])
            return (int)x[i] - (int)y[i];
    }
    return 0;
}

static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

EXPORT int strcasecmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && lower(*x) == lower(*y)) {
        x++;
        y++;
    }
    return (int)lower(*x) - (int)lower(*y);
}

EXPORT int strncasecmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (lower(x[i]) != lower(y[i]) || !x[i])
            return (int)lower(x[i]) - (int)lower(y[i]);
    }
    return 0;
}

EXPORT char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return 0;
    }
}

EXPORT char *strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)s;
}

EXPORT char *strrchr(const char *s, int c)
{
    const char *last = 0;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

EXPORT void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    }
    return 0;
}

EXPORT void *memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    while (n--) {
        if (p[n] == (unsigned char)c)
            return (void *)(p + n);
    }
    return 0;
}

EXPORT void *rawmemchr(const void *s, int c)
{
    const unsigned char *p = s;
    while (*p != (unsigned char)c)
        p++;
    return (void *)p;
}

EXPORT size_t strspn(const char *s, const char *accept)
{
    size_t n = 0;
    for (; s[n]; n++) {
        const char *a = accept;
        while (*a && *a != s[n])
            a++;
        if (!*a)
            break;
    }
    return n;
}

EXPORT size_t strcspn(const char *s, const char *reject)
{
    size_t n = 0;
    for (; s[n]; n++) {
        const char *r = reject;
        while (*r && *r != s[n])
            r++;
        if (*r)
            break;
    }
    return n;
}

EXPORT char *strpbrk(const char *s, const char *accept)
{
    s += strcspn(s, accept);
    return *s ? (char *)s : 0;
}

EXPORT char *strstr(const char *h, const char *n)
{
    size_t ln = strlen(n);
    if (ln == 0)
        return (char *)h;
    for (; *h; h++) {
        if (*h == *n && strncmp(h, n, ln) == 0)
            return (char *)h;
    }
    return 0;
}

/* copying forwards or backwards, word by word when both are aligned (as Valgrind's,
 * so that copies of partly defined words keep their V bits per byte) */
static void copy(unsigned char *d, const unsigned char *s, size_t n)
{
    if (d < s || d >= s + n) {
        if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
            for (; n >= 8; n -= 8, d += 8, s += 8)
                *(unsigned long *)d = *(const unsigned long *)s;
        }
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
            for (; n >= 8; n -= 8) {
                d -= 8;
                s -= 8;
                *(unsigned long *)d = *(const unsigned long *)s;
            }
        }
        while (n--)
            *--d = *--s;
    }
}

EXPORT void *memcpy(void *dst, const void *src, size_t n)
{
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_MEMCPY, dst, src, n);
    copy(dst, src, n);
    return dst;
}

EXPORT void *mempcpy(void *dst, const void *src, size_t n)
{
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_MEMPCPY, dst, src, n);
    copy(dst, src, n);
    return (unsigned char *)dst + n;
}

EXPORT void *memmove(void *dst, const void *src, size_t n)
{
    copy(dst, src, n);
    return dst;
}

EXPORT void bcopy(const void *src, void *dst, size_t n)
{
    copy(dst, src, n);
}

EXPORT void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned long w = (unsigned char)c * 0x0101010101010101ul;
    while (n && ((uintptr_t)d & 7)) {
        *d++ = (unsigned char)c;
        n--;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(unsigned long *)d = w;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

EXPORT int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return (int)x[i] - (int)y[i];
    }
    return 0;
}

EXPORT size_t wcslen(const wchar_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

EXPORT size_t wcsnlen(const wchar_t *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

EXPORT wchar_t *wcscpy(wchar_t *dst, const wchar_t *src)
{
    wchar_t *d = dst;
    while ((*d++ = *src++) != 0)
        ;
    return dst;
}

EXPORT wchar_t *wcsrchr(const wchar_t *s, wchar_t c)
{
    const wchar_t *last = 0;
    for (;; s++) {
        if (*s == c)
            last = s;
        if (!*s)
            return (wchar_t *)last;
    }
}

EXPORT wchar_t *wmemchr(const wchar_t *s, wchar_t c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == c)
            return (wchar_t *)(s + i);
    }
    return 0;
}

EXPORT int wcscmp(const wchar_t *a, const wchar_t *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a < *b ? -1 : *a > *b;
}

EXPORT wchar_t *wcschr(const wchar_t *s, wchar_t c)
{
    for (;; s++) {
        if (*s == c)
            return (wchar_t *)s;
        if (!*s)
            return 0;
    }
}

/* the _FORTIFY_SOURCE versions: the same, after the size check glibc makes */
#define CHK(what, msg)                                                         \
    do {                                                                       \
        if (what)                                                              \
            die("*** " msg ": buffer overflow detected ***: program terminated\n", \
                sizeof("*** " msg ": buffer overflow detected ***: program terminated\n") - 1); \
    } while (0)

EXPORT void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    CHK(dstlen < n, "memcpy_chk");
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_MEMCPY_CHK, dst, src, n);
    copy(dst, src, n);
    return dst;
}

EXPORT void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    CHK(dstlen < n, "memmove_chk");
    copy(dst, src, n);
    return dst;
}

EXPORT void *__mempcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    CHK(dstlen < n, "mempcpy_chk");
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_MEMPCPY_CHK, dst, src, n);
    copy(dst, src, n);
    return (unsigned char *)dst + n;
}

EXPORT void *__memset_chk(void *dst, int c, size_t n, size_t dstlen)
{
    CHK(dstlen < n, "memset_chk");
    return memset(dst, c, n);
}

EXPORT char *__strcpy_chk(char *dst, const char *src, size_t dstlen)
{
    size_t n = strlen(src) + 1;
    CHK(dstlen < n, "strcpy_chk");
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_STRCPY_CHK, dst, src, 0);
    copy((unsigned char *)dst, (const unsigned char *)src, n);
    return dst;
}

EXPORT char *__stpcpy_chk(char *dst, const char *src, size_t dstlen)
{
    size_t n = strlen(src) + 1;
    CHK(dstlen < n, "stpcpy_chk");
    if (overlap(dst, src, n, n))
        mc_report_overlap(OV_STPCPY_CHK, dst, src, 0);
    copy((unsigned char *)dst, (const unsigned char *)src, n);
    return dst + n - 1;
}
