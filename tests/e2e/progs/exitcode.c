/* exitcode MODE: ends in the way MODE says, so that pygrind's exit status can be
 * compared with the native one. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bye1(void) { printf("atexit handler 1\n"); }
static void bye2(void) { printf("atexit handler 2\n"); }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ret42";
    if (!strcmp(mode, "exit3")) {
        printf("calling exit(3)\n");
        exit(3);
    }
    if (!strcmp(mode, "ret42")) {
        printf("returning 42 from main\n");
        return 42;
    }
    if (!strcmp(mode, "ret0")) {
        printf("returning 0 from main\n");
        return 0;
    }
    if (!strcmp(mode, "exit255")) {
        printf("calling exit(255)\n");
        exit(255);
    }
    if (!strcmp(mode, "exit256")) {
        printf("calling exit(256), seen as 0\n");
        exit(256);
    }
    if (!strcmp(mode, "atexit")) {
        atexit(bye1);
        atexit(bye2);
        printf("calling exit(7) with two atexit handlers");  /* no newline: exit flushes */
        exit(7);
    }
    if (!strcmp(mode, "_exit")) {
        printf("this line is buffered and lost\n");  /* stdout is a pipe: fully buffered */
        _exit(5);
    }
    if (!strcmp(mode, "abort")) {
        printf("calling abort()\n");
        fflush(stdout);
        abort();
    }
    if (!strcmp(mode, "kill")) {
        printf("raising SIGTERM\n");
        fflush(stdout);
        raise(SIGTERM);
        return 99;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
