/* threads MODE: POSIX threads (build with -pthread). Every mode prints only results that
 * do not depend on scheduling, and exits 0 when they are right ("FAILED: ..." and exit 1
 * otherwise).
 *   counter      4 threads x 100000 mutex-protected increments of one counter
 *   condvar      ping-pong between two threads through a condition variable, 1000 round trips
 *   tls          __thread variables: each of 4 threads sets and reads its own copies
 *   once         pthread_once from 4 threads: the init routine runs once
 *   detached     4 detached threads report completion through a semaphore
 *   join_retval  threads return values that pthread_join hands back
 *   pthread_kill a signal aimed at one thread runs its handler there, ending its pause()
 *   sigwait      a process-directed signal blocked everywhere is taken by sigwait in a thread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 4

#define CHECK0(x) do { int e_ = (x); if (e_ != 0) { \
    printf("FAILED: %s: %s (line %d)\n", #x, strerror(e_), __LINE__); exit(1); } } while (0)
#define FAIL(...) do { printf("FAILED: " __VA_ARGS__); printf("\n"); exit(1); } while (0)

/* ------------------------------------------------------------------ counter */

#define INCREMENTS 100000
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *counter_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static int mode_counter(void)
{
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_create(&t[i], NULL, counter_thread, NULL));
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_join(t[i], NULL));
    printf("counter: %d threads x %d increments = %ld\n", NTHREADS, INCREMENTS, counter);
    if (counter != (long)NTHREADS * INCREMENTS)
        FAIL("counter is %ld, expected %ld", counter, (long)NTHREADS * INCREMENTS);
    return 0;
}

/* ------------------------------------------------------------------ condvar */

#define ROUNDS 1000
static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn;          /* 0: ping's turn, 1: pong's turn */
static int pings, pongs;

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (turn != 1)
            pthread_cond_wait(&pp_cond, &pp_lock);
        if (pongs != pings - 1)
            FAIL("pong %d after %d pings", pongs, pings);
        pongs++;
        turn = 0;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return NULL;
}

static int mode_condvar(void)
{
    pthread_t t;
    CHECK0(pthread_create(&t, NULL, ponger, NULL));
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (turn != 0)
            pthread_cond_wait(&pp_cond, &pp_lock);
        if (pings != pongs)
            FAIL("ping %d after %d pongs", pings, pongs);
        pings++;
        turn = 1;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    CHECK0(pthread_join(t, NULL));
    printf("condvar: %d pings, %d pongs\n", pings, pongs);
    if (pings != ROUNDS || pongs != ROUNDS)
        FAIL("expected %d round trips", ROUNDS);
    return 0;
}

/* ------------------------------------------------------------------ tls */

static __thread int tls_int = 42;            /* initialised: .tdata */
static __thread long tls_zero;               /* zero: .tbss */
static __thread char tls_name[32] = "main";

struct tls_result {
    int id;
    int initial_int;
    long initial_zero;
    char initial_name[32];
    int final_int;
    long final_zero;
    char final_name[32];
};

static pthread_barrier_t tls_barrier;

static void *tls_thread(void *arg)
{
    struct tls_result *r = arg;
    r->initial_int = tls_int;
    r->initial_zero = tls_zero;
    strcpy(r->initial_name, tls_name);
    tls_int = 1000 + r->id;
    tls_zero = (long)r->id * r->id;
    snprintf(tls_name, sizeof tls_name, "thread%d", r->id);
    /* every thread has written its own copies before any reads them back */
    pthread_barrier_wait(&tls_barrier);
    for (int i = 0; i < 1000; i++)
        tls_zero += i & 1;
    r->final_int = tls_int;
    r->final_zero = tls_zero;
    strcpy(r->final_name, tls_name);
    return NULL;
}

static int mode_tls(void)
{
    pthread_t t[NTHREADS];
    struct tls_result res[NTHREADS];
    memset(res, 0, sizeof res);
    tls_int = 7;
    strcpy(tls_name, "main-changed");
    CHECK0(pthread_barrier_init(&tls_barrier, NULL, NTHREADS));
    for (int i = 0; i < NTHREADS; i++) {
        res[i].id = i;
        CHECK0(pthread_create(&t[i], NULL, tls_thread, &res[i]));
    }
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_join(t[i], NULL));
    pthread_barrier_destroy(&tls_barrier);
    int bad = 0;
    for (int i = 0; i < NTHREADS; i++) {
        struct tls_result *r = &res[i];
        printf("tls thread %d: initial int=%d zero=%ld name=%s; final int=%d zero=%ld name=%s\n",
               i, r->initial_int, r->initial_zero, r->initial_name,
               r->final_int, r->final_zero, r->final_name);
        char want[32];
        snprintf(want, sizeof want, "thread%d", i);
        if (r->initial_int != 42 || r->initial_zero != 0 || strcmp(r->initial_name, "main")
            || r->final_int != 1000 + i || r->final_zero != (long)i * i + 500
            || strcmp(r->final_name, want))
            bad = 1;
    }
    printf("tls main: int=%d zero=%ld name=%s\n", tls_int, tls_zero, tls_name);
    if (tls_int != 7 || tls_zero != 0 || strcmp(tls_name, "main-changed"))
        bad = 1;
    if (bad)
        FAIL("a thread saw another thread's __thread variables");
    return 0;
}

/* ------------------------------------------------------------------ once */

static pthread_once_t once_control = PTHREAD_ONCE_INIT;
static int init_runs;
static int once_value;
static pthread_barrier_t once_barrier;

static void once_init(void)
{
    init_runs++;
    once_value = 12345;
}

static void *once_thread(void *arg)
{
    int *seen = arg;
    pthread_barrier_wait(&once_barrier);  /* all four race for the once */
    CHECK0(pthread_once(&once_control, once_init));
    *seen = once_value;
    return NULL;
}

static int mode_once(void)
{
    pthread_t t[NTHREADS];
    int seen[NTHREADS] = {0};
    CHECK0(pthread_barrier_init(&once_barrier, NULL, NTHREADS));
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_create(&t[i], NULL, once_thread, &seen[i]));
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_join(t[i], NULL));
    pthread_barrier_destroy(&once_barrier);
    CHECK0(pthread_once(&once_control, once_init));  /* main too: no second run */
    for (int i = 0; i < NTHREADS; i++)
        printf("once thread %d saw %d\n", i, seen[i]);
    printf("once: init ran %d time(s)\n", init_runs);
    if (init_runs != 1)
        FAIL("init routine ran %d times", init_runs);
    for (int i = 0; i < NTHREADS; i++)
        if (seen[i] != 12345)
            FAIL("thread %d saw %d before the init finished", i, seen[i]);
    return 0;
}

/* ------------------------------------------------------------------ detached */

static sem_t done_sem;
static pthread_mutex_t det_lock = PTHREAD_MUTEX_INITIALIZER;
static long det_sums[NTHREADS];

static void *detached_thread(void *arg)
{
    int id = (int)(intptr_t)arg;
    long s = 0;
    for (int i = 1; i <= 1000 * (id + 1); i++)
        s += i;
    pthread_mutex_lock(&det_lock);
    det_sums[id] = s;
    pthread_mutex_unlock(&det_lock);
    sem_post(&done_sem);
    return NULL;
}

static int mode_detached(void)
{
    pthread_attr_t attr;
    CHECK0(pthread_attr_init(&attr));
    CHECK0(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
    if (sem_init(&done_sem, 0, 0) != 0)
        FAIL("sem_init: %s", strerror(errno));
    for (int i = 0; i < NTHREADS; i++) {
        pthread_t t;
        CHECK0(pthread_create(&t, &attr, detached_thread, (void *)(intptr_t)i));
    }
    pthread_attr_destroy(&attr);
    for (int i = 0; i < NTHREADS; i++)
        while (sem_wait(&done_sem) != 0)
            if (errno != EINTR)
                FAIL("sem_wait: %s", strerror(errno));
    pthread_mutex_lock(&det_lock);
    for (int i = 0; i < NTHREADS; i++) {
        long n = 1000L * (i + 1);
        printf("detached thread %d: sum 1..%ld = %ld\n", i, n, det_sums[i]);
        if (det_sums[i] != n * (n + 1) / 2)
            FAIL("wrong sum from thread %d", i);
    }
    pthread_mutex_unlock(&det_lock);
    printf("detached: all %d threads finished\n", NTHREADS);
    return 0;
}

/* ------------------------------------------------------------------ join_retval */

static void *square_thread(void *arg)
{
    intptr_t x = (intptr_t)arg;
    if (x == 3)
        pthread_exit((void *)(x * x + 1000));  /* through pthread_exit, not return */
    return (void *)(x * x);
}

static void *string_thread(void *arg)
{
    char *s = malloc(64);
    snprintf(s, 64, "hello from thread %d", (int)(intptr_t)arg);
    return s;
}

static int mode_join_retval(void)
{
    pthread_t t[NTHREADS + 1];
    for (int i = 0; i < NTHREADS; i++)
        CHECK0(pthread_create(&t[i], NULL, square_thread, (void *)(intptr_t)(i + 1)));
    CHECK0(pthread_create(&t[NTHREADS], NULL, string_thread, (void *)(intptr_t)NTHREADS));
    long total = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        CHECK0(pthread_join(t[i], &ret));
        printf("join_retval thread %d returned %ld\n", i, (long)(intptr_t)ret);
        total += (long)(intptr_t)ret;
    }
    void *s;
    CHECK0(pthread_join(t[NTHREADS], &s));
    printf("join_retval thread %d returned \"%s\"\n", NTHREADS, (char *)s);
    free(s);
    printf("join_retval: total %ld\n", total);
    if (total != 1 + 4 + 1009 + 16)
        FAIL("total %ld, expected %d", total, 1 + 4 + 1009 + 16);
    return 0;
}

/* ------------------------------------------------------------------ main */

/* pthread_kill: a signal aimed at one thread runs its handler in that thread, and
 * interrupts the pause() that thread is blocked in. */
static volatile sig_atomic_t handled_in_target;
static pthread_t target_thread;
static volatile int target_ready;

static void usr1_in_thread(int sig)
{
    (void)sig;
    handled_in_target = pthread_equal(pthread_self(), target_thread) ? 1 : 2;
}

static void *pauser(void *arg)
{
    (void)arg;
    target_ready = 1;
    while (!handled_in_target)
        pause();
    return NULL;
}

static int mode_pthread_kill(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = usr1_in_thread;
    sigaction(SIGUSR1, &sa, NULL);
    /* only the target may take it, even if the kernel had the choice */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &m, NULL);
    pthread_attr_t at;
    pthread_attr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    pthread_attr_setsigmask_np(&at, &none);
    pthread_create(&target_thread, &at, pauser, NULL);
    while (!target_ready)
        sched_yield();
    usleep(20000);  /* most likely in pause() by now; either way it must work */
    int rc = pthread_kill(target_thread, SIGUSR1);
    pthread_join(target_thread, NULL);
    printf("pthread_kill returned %d; handler ran in the target thread: %s\n", rc,
           handled_in_target == 1 ? "yes" : "no");
    return !(rc == 0 && handled_in_target == 1);
}

/* sigwait: a signal sent to the process while every thread blocks it is taken by the
 * thread waiting for it in sigwait. */
static sigset_t waited;
static int waited_sig;

static void *waiter(void *arg)
{
    (void)arg;
    sigwait(&waited, &waited_sig);
    return NULL;
}

static int mode_sigwait(void)
{
    sigemptyset(&waited);
    sigaddset(&waited, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &waited, NULL);  /* inherited by the thread */
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    usleep(20000);
    kill(getpid(), SIGUSR2);
    pthread_join(t, NULL);
    printf("sigwait in a thread got signal %d (SIGUSR2 is %d)\n", waited_sig, SIGUSR2);
    return waited_sig != SIGUSR2;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(void); } modes[] = {
        {"counter", mode_counter}, {"condvar", mode_condvar}, {"tls", mode_tls},
        {"once", mode_once}, {"detached", mode_detached}, {"join_retval", mode_join_retval},
        {"pthread_kill", mode_pthread_kill}, {"sigwait", mode_sigwait},
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
