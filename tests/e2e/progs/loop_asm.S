/* A program whose instruction counts are known exactly: 1 + 2*1000 + 4 instructions,
   1000 conditional jumps of which 999 are taken, one write of 6 bytes. */
    .globl _start
    .text
_start:
    mov $1000, %ecx
1:  dec %ecx
    jnz 1b
    mov $1, %eax
    mov $1, %edi
    lea msg(%rip), %rsi
    mov $6, %edx
    syscall
    mov $60, %eax
    xor %edi, %edi
    syscall
    .section .rodata
msg: .ascii "done!\n"
