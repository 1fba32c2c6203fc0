/* setjmp: setjmp/longjmp across frames, sigsetjmp/siglongjmp with the signal mask. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static jmp_buf jb;
static sigjmp_buf sjb;
static int depth_reached;

static void dive(int depth, int target)
{
    volatile char pad[64];
    memset((char *)pad, depth, sizeof pad);
    depth_reached = depth;
    if (depth >= target)
        longjmp(jb, depth * 10 + pad[5]);
    if (depth < 1000)
        dive(depth + 1, target);
    printf("never printed %d\n", pad[0]);
}

static int blocked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

int main(void)
{
    volatile int counter = 0;
    int r = setjmp(jb);
    printf("setjmp returned %d (counter %d)\n", r, counter);
    if (counter < 5) {
        counter++;
        dive(0, counter * 7);
    }
    printf("depth reached %d\n", depth_reached);

    r = setjmp(jb);
    if (r == 0)
        longjmp(jb, 0);   /* longjmp with 0 makes setjmp return 1 */
    printf("longjmp(0) gives %d\n", r);

    /* sigsetjmp(…, 1) saves the mask; siglongjmp restores it */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    if (sigsetjmp(sjb, 1) == 0) {
        sigprocmask(SIG_BLOCK, &s, NULL);
        printf("before siglongjmp: SIGUSR1 blocked %d\n", blocked(SIGUSR1));
        siglongjmp(sjb, 1);
    }
    printf("after siglongjmp(savemask=1): SIGUSR1 blocked %d\n", blocked(SIGUSR1));
    if (sigsetjmp(sjb, 0) == 0) {
        sigprocmask(SIG_BLOCK, &s, NULL);
        siglongjmp(sjb, 2);
    }
    printf("after siglongjmp(savemask=0): SIGUSR1 blocked %d\n", blocked(SIGUSR1));

    /* nested buffers */
    jmp_buf outer, inner;
    volatile int step = 0;
    if (setjmp(outer) == 0) {
        step = 1;
        if (setjmp(inner) == 0) {
            step = 2;
            longjmp(inner, 1);
        }
        step += 10;
        longjmp(outer, 1);
    }
    printf("nested: step %d\n", step);
    return 0;
}
