/* hello: the smallest real program; also echoes its arguments and one environment
 * variable, so that argv and envp are checked in every link mode. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("Hello, world!\n");
    printf("argc = %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    const char *v = getenv("PYGRIND_TEST_VAR");
    printf("PYGRIND_TEST_VAR = %s\n", v ? v : "(unset)");
    return 0;
}
