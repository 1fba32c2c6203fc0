/* Indirectly lost: a lost struct (definitely lost) pointing to another block. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    struct node *next;
    int payload[6];
};

static __attribute__((noinline)) struct node *make(struct node *next)
{
    struct node *n = malloc(sizeof *n);
    n->next = next;
    for (int i = 0; i < 6; i++)
        n->payload[i] = i;
    return n;
}

static __attribute__((noinline)) int lose(void)
{
    struct node *tail = make(NULL);
    struct node *head = make(tail);
    return head->next->payload[5]; /* head and tail die with this frame */
}

/* Dead stack slots keep copies of the lost pointers (whether a later frame happens to
 * overwrite them depends on the code that runs after: natively they survive until
 * exit), which would make the blocks "still reachable": clear them, as Valgrind's own
 * leak tests do. */
static __attribute__((noinline)) void scrub_stack(void)
{
    volatile char buf[4096];
    for (int i = 0; i < (int)sizeof buf; i++)
        buf[i] = 0;
}

int main(void)
{
    int n = lose();
    scrub_stack();
    printf("lost a list holding %d\n", n);
    return 0;
}
