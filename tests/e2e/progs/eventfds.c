/* eventfds MODE: the descriptor kinds event loops are built on. Each mode prints what
 * it saw (no times, no descriptor numbers) and exits 0 when it saw what Linux does.
 *   poll      a pipe polled before and after a write; select on the same
 *   epoll     epoll over an eventfd and a pipe, level-triggered
 *   signalfd  a blocked SIGUSR1 read through a signalfd (ssi_signo, ssi_code)
 *   timerfd   a 20 ms timerfd read blocks until it expires once
 *   thread    a thread wakes the main thread through an eventfd it waits on with poll
 *   sendmsg   sendmsg/recvmsg over a Unix socketpair: two iovecs each way, and a pipe's
 *             write end passed along with SCM_RIGHTS
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int mode_poll(void)
{
    int p[2];
    if (pipe(p))
        return 1;
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int before = poll(&pfd, 1, 0);
    if (write(p[1], "x", 1) != 1)
        return 1;
    int after = poll(&pfd, 1, 1000);
    printf("poll before write: %d, after: %d, POLLIN: %s\n", before, after,
           pfd.revents & POLLIN ? "yes" : "no");
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval tv = {1, 0};
    int n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("select: %d, readable: %s\n", n, FD_ISSET(p[0], &r) ? "yes" : "no");
    return !(before == 0 && after == 1 && n == 1);
}

static int mode_epoll(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int ev = eventfd(0, EFD_NONBLOCK);
    int p[2];
    if (ep < 0 || ev < 0 || pipe(p))
        return 1;
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = 1};
    epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
    e.data.u32 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
    struct epoll_event out[4];
    int n0 = epoll_wait(ep, out, 4, 0);
    uint64_t one = 3;
    if (write(ev, &one, 8) != 8)
        return 1;
    int n1 = epoll_wait(ep, out, 4, 1000);
    unsigned tag1 = n1 == 1 ? out[0].data.u32 : 0;
    if (write(p[1], "ab", 2) != 2)
        return 1;
    int n2 = epoll_wait(ep, out, 4, 1000);
    uint64_t got = 0;
    if (read(ev, &got, 8) != 8)
        return 1;
    int n3 = epoll_wait(ep, out, 4, 0);
    printf("epoll: %d ready at first, %d after eventfd (tag %u), %d after pipe, "
           "eventfd read %llu, then %d ready\n", n0, n1, tag1, n2, (unsigned long long)got, n3);
    return !(n0 == 0 && n1 == 1 && tag1 == 1 && n2 == 2 && got == 3 && n3 == 1);
}

static int mode_signalfd(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int fd = signalfd(-1, &m, SFD_CLOEXEC);
    if (fd < 0)
        return 1;
    kill(getpid(), SIGUSR1);
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    printf("signalfd read %zd bytes: signo %u, code %d (SI_USER is %d), pid ours: %s\n", n,
           si.ssi_signo, si.ssi_code, SI_USER, si.ssi_pid == (uint32_t)getpid() ? "yes" : "no");
    return !(n == sizeof si && si.ssi_signo == SIGUSR1);
}

static int mode_timerfd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (fd < 0)
        return 1;
    struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}};
    timerfd_settime(fd, 0, &its, NULL);
    uint64_t expirations = 0;
    ssize_t n = read(fd, &expirations, 8);
    struct itimerspec cur;
    timerfd_gettime(fd, &cur);
    printf("timerfd read %zd bytes: %llu expiration(s); disarmed: %s\n", n,
           (unsigned long long)expirations,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 ? "yes" : "no");
    return !(n == 8 && expirations == 1);
}

static int efd;

static void *waker(void *arg)
{
    (void)arg;
    uint64_t v = 42;
    usleep(10000);
    if (write(efd, &v, 8) != 8)
        return (void *)1;
    return NULL;
}

static int mode_thread(void)
{
    efd = eventfd(0, 0);
    pthread_t t;
    pthread_create(&t, NULL, waker, NULL);
    struct pollfd pfd = {.fd = efd, .events = POLLIN};
    int n = poll(&pfd, 1, 10000);
    uint64_t v = 0;
    if (read(efd, &v, 8) != 8)
        return 1;
    void *rv;
    pthread_join(t, &rv);
    printf("poll woke with %d ready; eventfd value %llu; thread ok: %s\n", n,
           (unsigned long long)v, rv == NULL ? "yes" : "no");
    return !(n == 1 && v == 42 && rv == NULL);
}

static int mode_sendmsg(void)
{
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p))
        return 1;
    char a[] = "hello, ", b[] = "world";
    struct iovec out[2] = {{a, 7}, {b, 5}};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = out, .msg_iovlen = 2, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    ssize_t sent = sendmsg(sv[0], &m, 0);

    char x[5] = {0}, y[16] = {0};
    struct iovec in[2] = {{x, 4}, {y, sizeof y - 1}};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } rctl;
    memset(&rctl, 0, sizeof rctl);
    struct msghdr r = {.msg_iov = in, .msg_iovlen = 2, .msg_control = rctl.buf,
                       .msg_controllen = sizeof rctl.buf};
    ssize_t got = recvmsg(sv[1], &r, 0);
    int passed = -1;
    struct cmsghdr *rc = CMSG_FIRSTHDR(&r);
    if (rc && rc->cmsg_type == SCM_RIGHTS)
        memcpy(&passed, CMSG_DATA(rc), sizeof(int));
    int ok_fd = passed >= 0 && write(passed, "via fd", 6) == 6;
    char back[8] = {0};
    ssize_t n = ok_fd ? read(p[0], back, 6) : -1;
    printf("sendmsg %zd bytes, recvmsg %zd bytes: \"%s\" + \"%s\"; controllen %s; "
           "passed fd works: %s (\"%s\")\n", sent, got, x, y,
           r.msg_controllen == CMSG_SPACE(sizeof(int)) ? "right" : "wrong",
           n == 6 ? "yes" : "no", back);
    return !(sent == 12 && got == 12 && n == 6);
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(void); } modes[] = {
        {"poll", mode_poll}, {"epoll", mode_epoll}, {"signalfd", mode_signalfd},
        {"timerfd", mode_timerfd}, {"thread", mode_thread},
        {"sendmsg", mode_sendmsg},
    };
    const char *mode = argc > 1 ? argv[1] : "";
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(mode, modes[i].name)) {
            int rc = modes[i].fn();
            fflush(stdout);
            return rc;
        }
    fprintf(stderr, "usage: eventfds poll|epoll|signalfd|timerfd|thread|sendmsg\n");
    return 2;
}
