/* forks MODE: processes: fork, vfork, execve, posix_spawn, wait. The parent always waits
 * for its children before it prints, and stdout is flushed before every fork, so the
 * output order is fixed. Each mode exits 0 when the results are right ("FAILED: ..." and
 * exit 1 otherwise).
 *   fork_wait      fork; the child prints, changes a global, exits 7; the parent waits
 *   pipe           the parent writes 100 lines into a pipe, the child counts them
 *   exec           fork + execve("/bin/echo")
 *   exec_env       fork + execve("/usr/bin/env") with an environment of our own
 *   exec_fail      execve of a missing file fails with ENOENT (no fork)
 *   spawn          posix_spawn("/bin/echo") + waitpid
 *   spawn_missing  posix_spawn of a missing file: glibc reports the exec's error
 *   child_signal   the child kills itself with SIGTERM
 *   vfork          vfork + _exit(3) in the child
 *   wait_many      3 children with different exit codes, each waited for by pid
 *   sigchld        a SIGCHLD handler in the parent sees its child end
 *   system         system("echo ...; exit 5")
 *   popen          popen("echo ...", "r") read by the parent
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CHECK(x) do { if ((x) < 0) { \
    printf("FAILED: %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)
#define FAIL(...) do { printf("FAILED: " __VA_ARGS__); printf("\n"); exit(1); } while (0)

static const char *yesno(int b) { return b ? "yes" : "no"; }

/* "exited with N" / "killed by signal N" */
static const char *describe(int status)
{
    static char buf[64];
    if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, sizeof buf, "status 0x%x", status);
    return buf;
}

static int wait_for(pid_t pid)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r != pid)
        FAIL("waitpid returned %d: %s", (int)r, strerror(errno));
    return status;
}

static pid_t fork_flushed(void)
{
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid);
    return pid;
}

/* ------------------------------------------------------------------ fork_wait */

static int global = 1;

static int mode_fork_wait(void)
{
    pid_t me = getpid();
    int *heap = malloc(sizeof *heap);
    *heap = 100;
    pid_t pid = fork_flushed();
    if (pid == 0) {
        printf("child: fork returned 0; getppid is the parent: %s; pid differs: %s\n",
               yesno(getppid() == me), yesno(getpid() != me));
        global = 2;
        *heap = 200;
        printf("child: global %d, heap %d; exiting with 7\n", global, *heap);
        exit(7);
    }
    int status = wait_for(pid);
    printf("parent: child %s; WIFEXITED %d, WEXITSTATUS %d\n", describe(status),
           WIFEXITED(status), WEXITSTATUS(status));
    printf("parent: global %d, heap %d (the child's changes are its own)\n", global, *heap);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 7 || global != 1 || *heap != 100)
        FAIL("fork/wait");
    return 0;
}

/* ------------------------------------------------------------------ pipe */

static int mode_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds));
    pid_t pid = fork_flushed();
    if (pid == 0) {
        close(fds[1]);
        FILE *in = fdopen(fds[0], "r");
        if (!in)
            FAIL("fdopen: %s", strerror(errno));
        char line[128];
        int n = 0;
        long sum = 0;
        while (fgets(line, sizeof line, in)) {
            n++;
            sum += atol(line + 5);  /* "line NNN" */
        }
        printf("child: read %d lines, numbers add up to %ld\n", n, sum);
        exit(n == 100 && sum == 4950 ? 0 : 1);
    }
    close(fds[0]);
    FILE *out = fdopen(fds[1], "w");
    if (!out)
        FAIL("fdopen: %s", strerror(errno));
    for (int i = 0; i < 100; i++)
        fprintf(out, "line %d\n", i);
    fclose(out);
    int status = wait_for(pid);
    printf("parent: wrote 100 lines; child %s\n", describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ exec */

static int mode_exec(void)
{
    pid_t pid = fork_flushed();
    if (pid == 0) {
        char *argv[] = {"echo", "hello from /bin/echo", "in the child", NULL};
        execve("/bin/echo", argv, environ);
        printf("FAILED: execve: %s\n", strerror(errno));
        exit(127);
    }
    int status = wait_for(pid);
    printf("parent: child %s\n", describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int mode_exec_env(void)
{
    pid_t pid = fork_flushed();
    if (pid == 0) {
        char *argv[] = {"env", NULL};
        char *envp[] = {"ALPHA=1", "BETA=two words", "GAMMA=", NULL};
        execve("/usr/bin/env", argv, envp);
        printf("FAILED: execve: %s\n", strerror(errno));
        exit(127);
    }
    int status = wait_for(pid);
    printf("parent: child %s\n", describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ exec_fail */

static int mode_exec_fail(void)
{
    char *argv[] = {"missing", NULL};
    errno = 0;
    int r1 = execve("/nonexistent/pygrind-test/missing", argv, environ);
    int e1 = errno;
    printf("execve of a missing file returned %d, errno %s (%s)\n", r1,
           e1 == ENOENT ? "ENOENT" : "other", strerror(e1));
    errno = 0;
    int r2 = execve("/", argv, environ);
    int e2 = errno;
    printf("execve of a directory returned %d, errno %s (%s)\n", r2,
           e2 == EACCES ? "EACCES" : "other", strerror(e2));
    printf("still running\n");
    return r1 == -1 && e1 == ENOENT && r2 == -1 && e2 == EACCES ? 0 : 1;
}

/* ------------------------------------------------------------------ spawn */

static int mode_spawn(void)
{
    char *argv[] = {"echo", "hello from posix_spawn", NULL};
    pid_t pid;
    fflush(stdout);
    int r = posix_spawn(&pid, "/bin/echo", NULL, NULL, argv, environ);
    if (r != 0)
        FAIL("posix_spawn returned %d: %s", r, strerror(r));
    int status = wait_for(pid);
    printf("parent: posix_spawn returned %d; child %s\n", r, describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int mode_spawn_missing(void)
{
    char *argv[] = {"missing", NULL};
    pid_t pid = -1;
    fflush(stdout);
    int r = posix_spawn(&pid, "/nonexistent/pygrind-test/missing", NULL, NULL, argv, environ);
    printf("posix_spawn of a missing file returned %d (%s)\n", r,
           r == ENOENT ? "ENOENT" : r == 0 ? "success" : "other");
    if (r == 0) {
        /* an older glibc reports the failure as the child's exit status 127 */
        int status = wait_for(pid);
        printf("child %s\n", describe(status));
    } else {
        printf("no child left behind: %s\n", yesno(waitpid(-1, NULL, WNOHANG) < 0 &&
                                                   errno == ECHILD));
    }
    return 0;
}

/* ------------------------------------------------------------------ child_signal */

static int mode_child_signal(void)
{
    pid_t pid = fork_flushed();
    if (pid == 0) {
        printf("child: killing myself with SIGTERM\n");
        fflush(stdout);
        kill(getpid(), SIGTERM);
        printf("FAILED: child survived SIGTERM\n");
        exit(1);
    }
    int status = wait_for(pid);
    printf("parent: WIFSIGNALED %d, WTERMSIG %d (SIGTERM is %d), WIFEXITED %d\n",
           WIFSIGNALED(status) != 0, WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGTERM,
           WIFEXITED(status) != 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? 0 : 1;
}

/* ------------------------------------------------------------------ vfork */

static int mode_vfork(void)
{
    fflush(stdout);
    pid_t pid = vfork();
    CHECK(pid);
    if (pid == 0)
        _exit(3);  /* nothing but _exit (or exec) in a vfork child */
    /* Whether the child borrowed our memory is not printed: a tool may run vfork as
     * fork, as Valgrind does. */
    int status = wait_for(pid);
    printf("parent: vfork child %s\n", describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 3 ? 0 : 1;
}

/* ------------------------------------------------------------------ wait_many */

static int mode_wait_many(void)
{
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = fork_flushed();
        if (pids[i] == 0)
            _exit(10 + i);
    }
    /* waited for in reverse order of creation, each by pid */
    for (int i = 2; i >= 0; i--) {
        int status = wait_for(pids[i]);
        printf("child %d %s\n", i, describe(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 10 + i)
            FAIL("wrong status");
    }
    errno = 0;
    pid_t r = wait(NULL);
    printf("wait with no children left: %d, errno %s\n", (int)r,
           errno == ECHILD ? "ECHILD" : strerror(errno));
    return r == -1 && errno == ECHILD ? 0 : 1;
}

/* ------------------------------------------------------------------ sigchld */

static volatile sig_atomic_t chld_hits;
static volatile int chld_code, chld_status;
static volatile pid_t chld_pid;

static void chld_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_hits++;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
}

static int mode_sigchld(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = chld_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL));
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old));
    pid_t pid = fork_flushed();
    if (pid == 0)
        _exit(9);
    /* wait for the SIGCHLD itself, then reap */
    while (!chld_hits)
        sigsuspend(&old);
    int status = wait_for(pid);
    printf("SIGCHLD handler ran %d time(s): si_code %d (CLD_EXITED is %d), si_status %d, "
           "si_pid is the child: %s\n", (int)chld_hits, (int)chld_code, CLD_EXITED,
           (int)chld_status, yesno(chld_pid == pid));
    printf("child %s\n", describe(status));
    return chld_hits == 1 && chld_code == CLD_EXITED && chld_status == 9 && chld_pid == pid
           ? 0 : 1;
}

/* ------------------------------------------------------------------ system, popen */

static int mode_system(void)
{
    fflush(stdout);
    int status = system("echo hello from system; exit 5");
    printf("system returned: %s\n", describe(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 0 : 1;
}

static int mode_popen(void)
{
    fflush(stdout);
    FILE *p = popen("echo one; echo two; echo three", "r");
    if (!p)
        FAIL("popen: %s", strerror(errno));
    char line[64];
    int n = 0;
    while (fgets(line, sizeof line, p))
        printf("popen line %d: %s", ++n, line);
    int status = pclose(p);
    printf("pclose: %s\n", describe(status));
    return n == 3 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(void); } modes[] = {
        {"fork_wait", mode_fork_wait}, {"pipe", mode_pipe}, {"exec", mode_exec},
        {"exec_env", mode_exec_env}, {"exec_fail", mode_exec_fail}, {"spawn", mode_spawn},
        {"spawn_missing", mode_spawn_missing}, {"child_signal", mode_child_signal},
        {"vfork", mode_vfork}, {"wait_many", mode_wait_many}, {"sigchld", mode_sigchld},
        {"system", mode_system}, {"popen", mode_popen},
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
