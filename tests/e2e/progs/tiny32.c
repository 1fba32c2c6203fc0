/* tiny32: a 32-bit x86 program with no libc (built with gcc -m32 -nostdlib -static when
 * the full 32-bit toolchain is missing): exits with status 0 through int $0x80. */
void _start(void)
{
    __asm__ volatile("movl $1, %%eax\n\tmovl $0, %%ebx\n\tint $0x80" ::: "memory");
}
