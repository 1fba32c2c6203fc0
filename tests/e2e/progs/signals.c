/* signals MODE: signal delivery to a single-threaded process. Handlers only record what
 * they saw in globals; main prints it, so the output is deterministic. Each mode exits 0
 * when the results are right ("FAILED: ..." and exit 1 otherwise), except `resethand`,
 * `abort` and `abort_handler`, which end by dying of a signal on purpose.
 *   raise          sigaction(SIGUSR1) + raise; then SIG_IGN + raise (nothing happens)
 *   alarm          setitimer(ITIMER_REAL, 50 ms, repeating) then pause()
 *   segv           write to NULL, caught by a SIGSEGV handler, siglongjmp out; 3 times
 *   siginfo        SA_SIGINFO: si_addr/si_code of a read of an unmapped address and of a
 *                  write to a read-only page; si_value/si_code/si_pid of sigqueue
 *   mask           a blocked SIGUSR1 stays pending (raised twice, delivered once)
 *   altstack       sigaltstack + SA_ONSTACK: the handler's locals are on the alternate stack
 *   stackoverflow  unbounded recursion, SIGSEGV caught on the alternate stack
 *   ucontext       handlers that edit the interrupted context: skip a ud2 by moving
 *                  REG_RIP, set REG_RAX, and fix REG_RCX so that a faulting load is retried
 *   nodefer        SA_NODEFER lets the handler nest; without it the second signal waits
 *   resethand      SA_RESETHAND: the first SIGUSR2 runs the handler, the second kills
 *   sigsuspend     a blocked, pending SIGUSR1 delivered inside sigsuspend(empty mask)
 *   fpe            integer division by zero and INT_MIN / -1: SIGFPE, si_code FPE_INTDIV
 *   restart        SA_RESTART: SIGALRM during a blocking read() of a pipe; the handler
 *                  writes a byte, the read is restarted and returns it
 *   eintr          the same without SA_RESTART: read() fails with EINTR
 *   abort          abort(): dies of SIGABRT
 *   abort_handler  abort() with a SIGABRT handler that returns: still dies of SIGABRT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CHECK(x) do { if ((x) < 0) { \
    printf("FAILED: %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)
#define FAIL(...) do { printf("FAILED: " __VA_ARGS__); printf("\n"); exit(1); } while (0)

static volatile sig_atomic_t hits;
static volatile sig_atomic_t last_sig;

static void count_handler(int sig)
{
    hits++;
    last_sig = sig;
}

static void install(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL));
}

static void install_info(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(sig, &sa, NULL));
}

static const char *yesno(int b) { return b ? "yes" : "no"; }

static int is_blocked(int sig)
{
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur));
    return sigismember(&cur, sig);
}

/* ------------------------------------------------------------------ raise */

static int mode_raise(void)
{
    install(SIGUSR1, count_handler, 0);
    printf("raise(SIGUSR1) returned %d\n", raise(SIGUSR1));
    printf("handler ran %d time(s), signal %d (SIGUSR1 is %d)\n", (int)hits, (int)last_sig,
           SIGUSR1);
    struct sigaction old;
    CHECK(sigaction(SIGUSR1, NULL, &old));
    printf("handler still installed: %s\n", yesno(old.sa_handler == count_handler));
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("after SIG_IGN and raise: still alive, handler count %d\n", (int)hits);
    if (hits != 1 || last_sig != SIGUSR1)
        FAIL("wrong handler runs");
    return 0;
}

/* ------------------------------------------------------------------ alarm */

static int mode_alarm(void)
{
    install(SIGALRM, count_handler, 0);
    /* repeating, so that pause() wakes up even if the first tick came before it */
    struct itimerval it = {{0, 50000}, {0, 50000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
    int r = pause();
    int e = errno;
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &off, NULL));
    printf("pause returned %d, errno %s\n", r, e == EINTR ? "EINTR" : strerror(e));
    printf("woke up: SIGALRM handler ran: %s, signal %d\n", yesno(hits >= 1), (int)last_sig);
    if (r != -1 || e != EINTR || hits < 1 || last_sig != SIGALRM)
        FAIL("pause did not end through the SIGALRM handler");
    return 0;
}

/* ------------------------------------------------------------------ segv */

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;
static volatile int fault_signo;

static void jump_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_signo = sig;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

static int *volatile null_ptr;  /* volatile: gcc may not turn the write into a ud2 */

static int mode_segv(void)
{
    install_info(SIGSEGV, jump_handler, 0);
    volatile int caught = 0;
    for (volatile int i = 0; i < 3; i++) {
        if (sigsetjmp(jb, 1) == 0) {
            *null_ptr = 42;
            FAIL("write to NULL did not fault");
        }
        caught++;
        printf("attempt %d: caught SIGSEGV (signal %d) at NULL: %s; SIGSEGV blocked after "
               "siglongjmp: %s\n", (int)i + 1, (int)fault_signo, yesno(fault_addr == NULL),
               yesno(is_blocked(SIGSEGV)));
    }
    printf("segv: recovered %d times\n", (int)caught);
    return caught == 3 ? 0 : 1;
}

/* ------------------------------------------------------------------ siginfo */

static volatile int q_value, q_code, q_pid_ok;

static void queue_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    q_value = si->si_value.sival_int;
    q_code = si->si_code;
    q_pid_ok = si->si_pid == getpid();
}

static int mode_siginfo(void)
{
    install_info(SIGSEGV, jump_handler, 0);
    int ok = 1;

    char *bad = (char *)0x1000;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = *(volatile char *)bad;
        (void)c;
        FAIL("read of 0x1000 did not fault");
    }
    printf("read of 0x1000: si_signo %d, si_addr == 0x1000: %s, si_code %d (SEGV_MAPERR is %d)\n",
           (int)fault_signo, yesno(fault_addr == bad), (int)fault_code, SEGV_MAPERR);
    ok &= fault_signo == SIGSEGV && fault_addr == bad && fault_code == SEGV_MAPERR;

    long pg = sysconf(_SC_PAGESIZE);
    char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED)
        FAIL("mmap: %s", strerror(errno));
    if (sigsetjmp(jb, 1) == 0) {
        ((volatile char *)ro)[100] = 1;
        FAIL("write to a read-only page did not fault");
    }
    printf("write to a read-only page: si_signo %d, si_addr right: %s, si_code %d "
           "(SEGV_ACCERR is %d)\n", (int)fault_signo, yesno(fault_addr == ro + 100),
           (int)fault_code, SEGV_ACCERR);
    ok &= fault_signo == SIGSEGV && fault_addr == ro + 100 && fault_code == SEGV_ACCERR;
    munmap(ro, pg);

    install_info(SIGUSR1, queue_handler, 0);
    union sigval v = {.sival_int = 77};
    CHECK(sigqueue(getpid(), SIGUSR1, v));
    printf("sigqueue: signal %d, si_value %d, si_code %d (SI_QUEUE is %d), si_pid is ours: %s\n",
           (int)last_sig, (int)q_value, (int)q_code, SI_QUEUE, yesno(q_pid_ok));
    ok &= last_sig == SIGUSR1 && q_value == 77 && q_code == SI_QUEUE && q_pid_ok;

    CHECK(kill(getpid(), SIGUSR1));
    printf("kill: si_code %d (SI_USER is %d), si_pid is ours: %s\n", (int)q_code, SI_USER,
           yesno(q_pid_ok));
    ok &= q_code == SI_USER && q_pid_ok;

    raise(SIGUSR1);
    printf("raise: si_code %d (SI_TKILL is %d)\n", (int)q_code, SI_TKILL);
    ok &= q_code == SI_TKILL;

    if (!ok)
        FAIL("wrong siginfo");
    return 0;
}

/* ------------------------------------------------------------------ mask */

static int mode_mask(void)
{
    install(SIGUSR1, count_handler, 0);
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    raise(SIGUSR1);
    raise(SIGUSR1);  /* a standard signal does not queue: still one pending */
    printf("blocked and raised twice: handler ran %d time(s)\n", (int)hits);
    CHECK(sigpending(&pending));
    printf("sigpending has SIGUSR1: %s, SIGUSR2: %s\n", yesno(sigismember(&pending, SIGUSR1)),
           yesno(sigismember(&pending, SIGUSR2)));
    int before = hits;
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    /* delivered before sigprocmask returns */
    printf("after unblocking: handler ran %d time(s)\n", (int)hits);
    CHECK(sigpending(&pending));
    printf("still pending: %s\n", yesno(sigismember(&pending, SIGUSR1)));
    if (before != 0 || hits != 1)
        FAIL("a blocked signal was delivered, or the pending one not exactly once");
    return 0;
}

/* ------------------------------------------------------------------ altstack */

static char *alt_lo, *alt_hi;
static volatile int on_alt, ss_onstack;

static void alt_handler(int sig)
{
    char local;
    last_sig = sig;
    on_alt = (char *)&local >= alt_lo && (char *)&local < alt_hi;
    stack_t cur;
    sigaltstack(NULL, &cur);
    ss_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

static int mode_altstack(void)
{
    size_t size = 64 * 1024;
    alt_lo = malloc(size);
    alt_hi = alt_lo + size;
    stack_t ss = {.ss_sp = alt_lo, .ss_size = size, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL));
    install(SIGUSR1, alt_handler, SA_ONSTACK);
    install(SIGUSR2, alt_handler, 0);
    raise(SIGUSR1);
    printf("SA_ONSTACK handler: local variable on the alternate stack: %s; SS_ONSTACK: %s\n",
           yesno(on_alt), yesno(ss_onstack));
    int ok = on_alt && ss_onstack;
    raise(SIGUSR2);
    printf("handler without SA_ONSTACK: on the alternate stack: %s; SS_ONSTACK: %s\n",
           yesno(on_alt), yesno(ss_onstack));
    ok &= !on_alt && !ss_onstack;
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur));
    printf("outside handlers: SS_ONSTACK %s, SS_DISABLE %s, same size: %s\n",
           yesno(cur.ss_flags & SS_ONSTACK), yesno(cur.ss_flags & SS_DISABLE),
           yesno(cur.ss_size == size));
    if (!ok)
        FAIL("handler ran on the wrong stack");
    return 0;
}

/* ------------------------------------------------------------------ stackoverflow */

static volatile int overflow_on_alt;

static void overflow_handler(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    char local;
    fault_signo = sig;
    overflow_on_alt = (char *)&local >= alt_lo && (char *)&local < alt_hi;
    siglongjmp(jb, 1);
}

static volatile int stop_recursion;  /* never set: keeps gcc from calling it infinite */

static long __attribute__((noinline)) recurse(long n)
{
    volatile char pad[512];
    if (stop_recursion)
        return n;
    pad[0] = (char)n;
    pad[511] = (char)(n >> 8);
    return recurse(n + 1) + pad[0] + pad[511];
}

static int mode_stackoverflow(void)
{
    struct rlimit rl = {1 << 20, 1 << 20};  /* 1 MiB: the overflow comes quickly */
    struct rlimit old;
    CHECK(getrlimit(RLIMIT_STACK, &old));
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < rl.rlim_max)
        rl.rlim_cur = rl.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_STACK, &rl));
    size_t size = 64 * 1024;
    alt_lo = malloc(size);
    alt_hi = alt_lo + size;
    stack_t ss = {.ss_sp = alt_lo, .ss_size = size, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL));
    install_info(SIGSEGV, overflow_handler, SA_ONSTACK);
    if (sigsetjmp(jb, 1) == 0) {
        recurse(0);
        FAIL("unbounded recursion returned");
    }
    printf("stack overflow: caught signal %d on the alternate stack: %s\n", (int)fault_signo,
           yesno(overflow_on_alt));
    return overflow_on_alt && fault_signo == SIGSEGV ? 0 : 1;
}

/* ------------------------------------------------------------------ ucontext */

static long good_value = 0x5eed;
static volatile int ill_action;  /* 0: skip the ud2; 1: also set RAX */

static void ill_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    last_sig = sig;
    fault_code = si->si_code;
    fault_addr = si->si_addr;
    /* si_addr of SIGILL is the faulting instruction */
    if ((greg_t)si->si_addr != uc->uc_mcontext.gregs[REG_RIP])
        fault_code = -1;
    uc->uc_mcontext.gregs[REG_RIP] += 2;  /* ud2 is 0f 0b */
    if (ill_action == 1)
        uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
    hits++;
}

static void segv_fixup_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    last_sig = sig;
    fault_addr = si->si_addr;
    /* point the faulting load at a good address and retry it */
    if (uc->uc_mcontext.gregs[REG_RCX] == 0x2000)
        uc->uc_mcontext.gregs[REG_RCX] = (greg_t)&good_value;
    hits++;
}

static int mode_ucontext(void)
{
    int ok = 1;
    install_info(SIGILL, ill_handler, 0);

    long rax;
    ill_action = 0;
    __asm__ volatile("mov $1, %%eax\n\tud2\n\tadd $10, %%rax\n\tmov %%rax, %0"
                     : "=r"(rax) : : "rax", "memory");
    printf("ud2 skipped by REG_RIP += 2: continued, rax %ld, handler ran %d time(s), "
           "signal %d, si_code %d (ILL_ILLOPN is %d)\n", rax, (int)hits, (int)last_sig,
           (int)fault_code, ILL_ILLOPN);
    ok &= rax == 11 && hits == 1 && last_sig == SIGILL && fault_code == ILL_ILLOPN;

    ill_action = 1;
    __asm__ volatile("mov $1, %%eax\n\tud2\n\tmov %%rax, %0" : "=r"(rax) : : "rax", "memory");
    printf("REG_RAX set by the handler: rax 0x%lx\n", rax);
    ok &= rax == 0x1234 && hits == 2;

    install_info(SIGSEGV, segv_fixup_handler, 0);
    long val;
    __asm__ volatile("mov $0x2000, %%rcx\n\tmov (%%rcx), %%rax\n\tmov %%rax, %0"
                     : "=r"(val) : : "rax", "rcx", "memory");
    printf("faulting load retried with REG_RCX fixed: value 0x%lx, si_addr 0x2000: %s, "
           "handler ran %d time(s) in all\n", val, yesno(fault_addr == (void *)0x2000),
           (int)hits);
    ok &= val == 0x5eed && hits == 3 && last_sig == SIGSEGV;
    if (!ok)
        FAIL("the handler's changes to the context were not honoured");
    return 0;
}

/* ------------------------------------------------------------------ nodefer */

static volatile int depth, max_depth, nd_runs;

static void nest_handler(int sig)
{
    nd_runs++;
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (nd_runs == 1)
        raise(sig);  /* with SA_NODEFER: runs right now, nested; without: after we return */
    depth--;
}

static int mode_nodefer(void)
{
    install(SIGUSR1, nest_handler, SA_NODEFER);
    raise(SIGUSR1);
    printf("SA_NODEFER: handler ran %d times, max nesting %d\n", (int)nd_runs, (int)max_depth);
    int ok = nd_runs == 2 && max_depth == 2;
    nd_runs = depth = max_depth = 0;
    install(SIGUSR1, nest_handler, 0);
    raise(SIGUSR1);
    printf("without SA_NODEFER: handler ran %d times, max nesting %d\n", (int)nd_runs,
           (int)max_depth);
    ok &= nd_runs == 2 && max_depth == 1;
    if (!ok)
        FAIL("wrong nesting");
    return 0;
}

/* ------------------------------------------------------------------ resethand */

static int mode_resethand(void)
{
    install(SIGUSR2, count_handler, SA_RESETHAND);
    raise(SIGUSR2);
    struct sigaction now;
    CHECK(sigaction(SIGUSR2, NULL, &now));
    printf("first SIGUSR2: handler ran %d time(s); disposition now SIG_DFL: %s\n", (int)hits,
           yesno(now.sa_handler == SIG_DFL));
    printf("raising SIGUSR2 again: the default action terminates\n");
    fflush(stdout);
    raise(SIGUSR2);
    printf("FAILED: still alive after the second SIGUSR2\n");
    return 1;
}

/* ------------------------------------------------------------------ sigsuspend */

static int mode_sigsuspend(void)
{
    install(SIGUSR1, count_handler, 0);
    sigset_t set, empty;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK(kill(getpid(), SIGUSR1));
    printf("blocked, sent with kill: handler ran %d time(s)\n", (int)hits);
    int r = sigsuspend(&empty);
    int e = errno;
    printf("sigsuspend returned %d, errno %s; handler ran %d time(s), signal %d\n", r,
           e == EINTR ? "EINTR" : strerror(e), (int)hits, (int)last_sig);
    printf("SIGUSR1 blocked again after sigsuspend: %s\n", yesno(is_blocked(SIGUSR1)));
    if (r != -1 || e != EINTR || hits != 1 || !is_blocked(SIGUSR1))
        FAIL("sigsuspend");
    return 0;
}

/* ------------------------------------------------------------------ fpe */

static int mode_fpe(void)
{
    install_info(SIGFPE, jump_handler, 0);
    int ok = 1;
    volatile int num = 7, zero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile int q = num / zero;
        (void)q;
        FAIL("division by zero did not trap");
    }
    printf("7 / 0: signal %d, si_code %d (FPE_INTDIV is %d)\n", (int)fault_signo,
           (int)fault_code, FPE_INTDIV);
    ok &= fault_signo == SIGFPE && fault_code == FPE_INTDIV;

    volatile long lnum = LONG_MIN, mone = -1;
    if (sigsetjmp(jb, 1) == 0) {
        volatile long q = lnum / mone;
        (void)q;
        FAIL("LONG_MIN / -1 did not trap");
    }
    printf("LONG_MIN / -1: signal %d, si_code %d\n", (int)fault_signo, (int)fault_code);
    ok &= fault_signo == SIGFPE;

    volatile unsigned un = 5, uzero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile unsigned q = un % uzero;
        (void)q;
        FAIL("5u %% 0 did not trap");
    }
    printf("5u %% 0: signal %d, si_code %d\n", (int)fault_signo, (int)fault_code);
    ok &= fault_signo == SIGFPE && fault_code == FPE_INTDIV;
    if (!ok)
        FAIL("wrong SIGFPE");
    return 0;
}

/* ------------------------------------------------------------------ restart / eintr */

static int pipe_w = -1;
static volatile int write_in_handler;

static void alarm_writer(int sig)
{
    last_sig = sig;
    hits++;
    if (write_in_handler) {
        int saved = errno;
        if (write(pipe_w, "x", 1) != 1)
            hits = -1000;
        errno = saved;
    }
}

static int read_during_alarm(int restart)
{
    int fds[2];
    CHECK(pipe(fds));
    pipe_w = fds[1];
    /* Without SA_RESTART the handler writes nothing (a byte written before the read
     * started would let it succeed). The timer repeats, so that a tick that comes
     * before read() blocks is not the only one. */
    write_in_handler = restart;
    install(SIGALRM, alarm_writer, restart ? SA_RESTART : 0);
    struct itimerval it = {{0, 50000}, {0, 50000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL));
    char buf[16] = {0};
    ssize_t r = read(fds[0], buf, 1);
    int e = errno;
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &off, NULL));
    printf("%s: SIGALRM handler ran: %s\n", restart ? "SA_RESTART" : "no SA_RESTART",
           yesno(hits >= 1));
    if (r < 0)
        printf("read returned %zd, errno %s\n", r, e == EINTR ? "EINTR" : strerror(e));
    else
        printf("read returned %zd: '%.*s'\n", r, (int)r, buf);
    int ok = restart ? (r == 1 && buf[0] == 'x') : (r == -1 && e == EINTR);
    if (!ok || hits < 1)
        FAIL("wrong read result");
    return 0;
}

static int mode_restart(void) { return read_during_alarm(1); }
static int mode_eintr(void) { return read_during_alarm(0); }

/* ------------------------------------------------------------------ abort */

static int mode_abort(void)
{
    printf("calling abort()\n");
    fflush(stdout);
    abort();
}

static void abrt_handler(int sig)
{
    (void)sig;
    static const char msg[] = "SIGABRT handler ran and returns\n";
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(3);
}

static int mode_abort_handler(void)
{
    install(SIGABRT, abrt_handler, 0);
    printf("calling abort() with a SIGABRT handler that returns\n");
    fflush(stdout);
    abort();
}

/* ------------------------------------------------------------------ pselect */

/* The pselect pattern: SIGUSR1 stays blocked except while waiting; one raised while
 * blocked interrupts the pselect at once, its handler runs, and the mask is back after. */
static int mode_pselect(void)
{
    install(SIGUSR1, count_handler, 0);
    sigset_t block, empty, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    int before = hits;
    struct timespec ts = {5, 0};
    int r = pselect(0, NULL, NULL, NULL, &ts, &empty);
    int e = errno;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("pselect returned %d (%s); handler ran %d time(s) before, %d after; "
           "SIGUSR1 blocked again: %s\n", r, r < 0 && e == EINTR ? "EINTR" : "?", before,
           (int)hits, sigismember(&now, SIGUSR1) ? "yes" : "no");
    /* and a pselect that times out leaves the mask as it was */
    struct timespec short_ts = {0, 1000000};
    int r2 = pselect(0, NULL, NULL, NULL, &short_ts, &empty);
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("timed-out pselect returned %d; SIGUSR1 blocked: %s\n", r2,
           sigismember(&now, SIGUSR1) ? "yes" : "no");
    return !(r == -1 && e == EINTR && before == 0 && hits == 1 && r2 == 0 &&
             sigismember(&now, SIGUSR1));
}

/* ------------------------------------------------------------------ wait_for_term */

/* Not compared with a native run: the test sends SIGTERM from outside once "waiting"
 * is out, and the default action must end the process. */
static int mode_wait_for_term(void)
{
    printf("waiting\n");
    fflush(stdout);
    for (;;)
        pause();
    return 0;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(void); } modes[] = {
        {"raise", mode_raise}, {"alarm", mode_alarm}, {"segv", mode_segv},
        {"siginfo", mode_siginfo}, {"mask", mode_mask}, {"altstack", mode_altstack},
        {"stackoverflow", mode_stackoverflow}, {"ucontext", mode_ucontext},
        {"nodefer", mode_nodefer}, {"resethand", mode_resethand},
        {"sigsuspend", mode_sigsuspend}, {"fpe", mode_fpe}, {"restart", mode_restart},
        {"eintr", mode_eintr}, {"abort", mode_abort}, {"abort_handler", mode_abort_handler},
        {"wait_for_term", mode_wait_for_term}, {"pselect", mode_pselect},
    };
    const char *mode = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(mode, modes[i].name)) {
            int rc = modes[i].fn();
            fflush(stdout);
            return rc;
        }
    printf("unknown mode '%s'\n", mode);
    return 2;
}
