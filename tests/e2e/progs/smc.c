/* Self-modifying code: generated code run until it is hot (natively compiled by the
 * JIT), then rewritten in place and run again; the new bytes must be what runs.
 *   - f: mov eax, IMM; ret        called through a pointer, IMM patched between rounds
 *   - g: a loop that jumps to a second block h (a chain between two native blocks);
 *        h is patched, and the chain must not keep running the old h
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn_t)(int);

int main(void)
{
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    /* f at 0: mov eax, imm32; ret */
    static const unsigned char f_code[] = {0xb8, 1, 0, 0, 0, 0xc3};
    memcpy(page, f_code, sizeof f_code);
    fn_t f = (fn_t)page;
    /* g at 64: loop: add eax, edi ... via a jump to h at 128, which adds and jumps back
     *   g:  xor eax, eax; mov ecx, 1000
     *   L:  jmp h
     *   back: dec ecx; jnz L; ret
     *   h:  add eax, 3; jmp back */
    unsigned char *g = page + 64, *h = page + 128;
    unsigned char g_code[] = {0x31, 0xc0, 0xb9, 0xe8, 0x03, 0, 0, /* xor; mov ecx,1000 */
                              0xe9, 0, 0, 0, 0,                 /* L: jmp h (rel32) */
                              0xff, 0xc9,                       /* back: dec ecx */
                              0x75, 0xf7,                       /* jnz L (-9) */
                              0xc3};
    int rel = (int)(h - (g + 12));
    memcpy(g_code + 8, &rel, 4);
    memcpy(g, g_code, sizeof g_code);
    unsigned char h_code[] = {0x83, 0xc0, 0x03, 0xe9, 0, 0, 0, 0}; /* add eax,3; jmp back */
    int back = (int)((g + 12) - (h + 8));
    memcpy(h_code + 4, &back, 4);
    memcpy(h, h_code, sizeof h_code);

    for (int round = 1; round <= 3; round++) {
        long sum = 0;
        for (int i = 0; i < 2000; i++)
            sum += f(i);
        long gsum = 0;
        for (int i = 0; i < 200; i++)
            gsum += ((fn_t)g)(0);
        printf("round %d: f gives %ld in all, g gives %ld in all\n", round, sum, gsum);
        page[1] = (unsigned char)(round * 10 + 1);  /* f now returns round*10+1 */
        h[2] = (unsigned char)(round + 3);          /* h now adds round+3 */
    }
    return 0;
}
