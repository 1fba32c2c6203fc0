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

int main(void)
{
    printf("lost a list holding %d\n", lose());
    return 0;
}
