/* insns.c: x86-64 instruction snippets on fixed inputs, to compare a real CPU with pygrind.
 *
 * usage: insns --list                    one line per snippet: NAME GROUP FEATURE
 *        insns GROUPS [FEATURES [SKIP]]   run the snippets of GROUPS (comma-separated,
 *                                         or "all"); snippets needing a CPU feature run
 *                                         only if it is in FEATURES (comma-separated
 *                                         /proc/cpuinfo flag names); snippets named in
 *                                         SKIP (comma-separated) do not run
 *
 * A snippet is a piece of inline assembly that runs between a load of every register
 * (rax..r11, xmm0..xmm7, MXCSR, RFLAGS) from a state block St and a store of every one of
 * them back (RFLAGS through pushfq). It runs once per input combination of its kind
 * (K_*), each run printing one line:
 *
 *     NAME#i in: <the inputs that vary> | out: <every register / memory byte that changed> fl=CpaZso
 *
 * fl= shows the arithmetic flags in the order C P A Z S O: upper case set, lower case
 * clear, '.' for a flag that the instruction leaves undefined for these inputs (so it is
 * not compared). Pointers into the state block print as m+N. Floating-point values print
 * as their bits in hex. A fault (SIGFPE, SIGILL, SIGSEGV, SIGTRAP) prints the signal,
 * si_code and where it happened instead of the out: part.
 *
 * Build: gcc -O1 -static -no-pie (fixed addresses; any mode works).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

typedef struct {
    uint64_t r[10];       /*   0: rax rbx rcx rdx rsi rdi r8 r9 r10 r11 */
    uint64_t fl;          /*  80: RFLAGS */
    uint32_t mxcsr;       /*  88 */
    uint32_t mxcsr_def;   /*  92: loaded again after the snippet */
    uint8_t x[8][16];     /*  96: xmm0..xmm7 */
    uint8_t m[128];       /* 224: memory operands; "M" in the snippets */
} __attribute__((aligned(16))) St;

_Static_assert(offsetof(St, fl) == 80, "layout");
_Static_assert(offsetof(St, mxcsr) == 88, "layout");
_Static_assert(offsetof(St, x) == 96, "layout");
_Static_assert(offsetof(St, m) == 224, "layout");

#define M "224(%0)"        /* m[0] */
#define M8 "232(%0)"       /* m[8] */
#define M16 "240(%0)"      /* m[16] */
#define M32 "256(%0)"      /* m[32]: the x87 snippets keep the caller's control word here */
#define M34 "258(%0)"      /* m[34]: and their own control word here */
#define M64 "288(%0)"      /* m[64] */

#define LOAD \
    "movq 0(%0), %%rax\n\tmovq 8(%0), %%rbx\n\tmovq 16(%0), %%rcx\n\tmovq 24(%0), %%rdx\n\t" \
    "movq 32(%0), %%rsi\n\tmovq 40(%0), %%rdi\n\tmovq 48(%0), %%r8\n\tmovq 56(%0), %%r9\n\t" \
    "movq 64(%0), %%r10\n\tmovq 72(%0), %%r11\n\t" \
    "movdqu 96(%0), %%xmm0\n\tmovdqu 112(%0), %%xmm1\n\tmovdqu 128(%0), %%xmm2\n\t" \
    "movdqu 144(%0), %%xmm3\n\tmovdqu 160(%0), %%xmm4\n\tmovdqu 176(%0), %%xmm5\n\t" \
    "movdqu 192(%0), %%xmm6\n\tmovdqu 208(%0), %%xmm7\n\t" \
    "ldmxcsr 88(%0)\n\t" \
    "leaq -128(%%rsp), %%rsp\n\tpushq 80(%0)\n\tpopfq\n\tleaq 128(%%rsp), %%rsp\n\t"

#define STORE \
    "\n\tleaq -128(%%rsp), %%rsp\n\tpushfq\n\tpopq 80(%0)\n\tleaq 128(%%rsp), %%rsp\n\t" \
    "movq %%rax, 0(%0)\n\tmovq %%rbx, 8(%0)\n\tmovq %%rcx, 16(%0)\n\tmovq %%rdx, 24(%0)\n\t" \
    "movq %%rsi, 32(%0)\n\tmovq %%rdi, 40(%0)\n\tmovq %%r8, 48(%0)\n\tmovq %%r9, 56(%0)\n\t" \
    "movq %%r10, 64(%0)\n\tmovq %%r11, 72(%0)\n\t" \
    "movdqu %%xmm0, 96(%0)\n\tmovdqu %%xmm1, 112(%0)\n\tmovdqu %%xmm2, 128(%0)\n\t" \
    "movdqu %%xmm3, 144(%0)\n\tmovdqu %%xmm4, 160(%0)\n\tmovdqu %%xmm5, 176(%0)\n\t" \
    "movdqu %%xmm6, 192(%0)\n\tmovdqu %%xmm7, 208(%0)\n\t" \
    "stmxcsr 88(%0)\n\tldmxcsr 92(%0)\n\t"

#define CLOBBERS "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "memory", "cc"

/* Input kinds. */
enum {
    K_ONE, K_BIN, K_BINC, K_UN, K_UNB, K_NZ, K_SH, K_SHX, K_SHX16, K_DIVU, K_DIVS, K_CC,
    K_STR, K_BTM, K_CXM, K_CX16, K_X, K_X1, K_XSH, K_FD, K_FS, K_CVT, K_CVTF, K_CVTI,
    K_PSTR, K_X87, K_X87RC,
};

/* Which flags are defined after the instruction. */
enum {
    FR_ALL, FR_LOGIC, FR_MUL, FR_NONE, FR_BT, FR_BS, FR_CNT, FR_ZPC,
    FR_SH, FR_SH1, FR_SHN, FR_ROT, FR_ROT1, FR_ROTN, FR_SHXD, FR_SHXD1, FR_SHXDN,
};

#define F_C 0x001
#define F_P 0x004
#define F_A 0x010
#define F_Z 0x040
#define F_S 0x080
#define F_O 0x800
#define F_ALL (F_C | F_P | F_A | F_Z | F_S | F_O)
#define FL_CLEAR 0x202u
#define FL_SET (0x202u | F_ALL)

typedef struct Snip {
    const char *name, *group, *feat;
    int kind, frule, width;
    void (*fn)(St *);
    int line;
} Snip;

static Snip *snips[2048];
static int nsnips;

#define SNIP(NAME, GROUP, FEAT, KIND, FRULE, WIDTH, BODY) \
    static __attribute__((noinline, noclone)) void fn_##NAME(St *s) \
    { \
        register St *p __asm__("r15") = s; \
        __asm__ volatile(LOAD BODY STORE : : "r"(p) : CLOBBERS); \
    } \
    static Snip sn_##NAME = {#NAME, GROUP, FEAT, KIND, FRULE, WIDTH, fn_##NAME, __LINE__}; \
    __attribute__((constructor)) static void reg_##NAME(void) { snips[nsnips++] = &sn_##NAME; }

/* ======================================================================= snippets */

/* ---- integer arithmetic: 8/16/32/64-bit forms */
#define BIN4(OP, GRP, KIND, FR) \
    SNIP(OP##8, GRP, "", KIND, FR, 8, #OP "b %%bl, %%al") \
    SNIP(OP##16, GRP, "", KIND, FR, 16, #OP "w %%bx, %%ax") \
    SNIP(OP##32, GRP, "", KIND, FR, 32, #OP "l %%ebx, %%eax") \
    SNIP(OP##64, GRP, "", KIND, FR, 64, #OP "q %%rbx, %%rax")
#define UN4(OP, GRP, KIND, FR) \
    SNIP(OP##8, GRP, "", KIND, FR, 8, #OP "b %%al") \
    SNIP(OP##16, GRP, "", KIND, FR, 16, #OP "w %%ax") \
    SNIP(OP##32, GRP, "", KIND, FR, 32, #OP "l %%eax") \
    SNIP(OP##64, GRP, "", KIND, FR, 64, #OP "q %%rax")

BIN4(add, "arith", K_BIN, FR_ALL)
BIN4(sub, "arith", K_BIN, FR_ALL)
BIN4(adc, "arith", K_BINC, FR_ALL)
BIN4(sbb, "arith", K_BINC, FR_ALL)
BIN4(cmp, "arith", K_BIN, FR_ALL)
UN4(inc, "arith", K_UN, FR_ALL)
UN4(dec, "arith", K_UN, FR_ALL)
UN4(neg, "arith", K_UN, FR_ALL)
SNIP(add8_ah, "arith", "", K_BIN, FR_ALL, 8, "addb %%bl, %%ah")
SNIP(add8_imm, "arith", "", K_UN, FR_ALL, 8, "addb $0x81, %%al")
SNIP(add16_imm8, "arith", "", K_UN, FR_ALL, 16, "addw $-3, %%ax")
SNIP(add32_imm, "arith", "", K_UN, FR_ALL, 32, "addl $0x7fffffff, %%eax")
SNIP(add64_imm, "arith", "", K_UN, FR_ALL, 64, "addq $-0x80000000, %%rax")
SNIP(sub64_imm8, "arith", "", K_UN, FR_ALL, 64, "subq $1, %%rax")
SNIP(cmp64_imm, "arith", "", K_UN, FR_ALL, 64, "cmpq $0x7f, %%rax")
SNIP(adc64_imm, "arith", "", K_BINC, FR_ALL, 64, "adcq $-1, %%rax")
SNIP(sbb32_imm, "arith", "", K_BINC, FR_ALL, 32, "sbbl $0x12345678, %%eax")
SNIP(add64_mem, "arith", "", K_UN, FR_ALL, 64, "addq " M ", %%rax")
SNIP(add64_to_mem, "arith", "", K_UNB, FR_ALL, 64, "addq %%rbx, " M)
SNIP(sub16_to_mem, "arith", "", K_UNB, FR_ALL, 16, "subw %%bx, " M8)
SNIP(lock_add64_mem, "arith", "", K_UNB, FR_ALL, 64, "lock addq %%rbx, " M)
SNIP(lock_inc32_mem, "arith", "", K_ONE, FR_ALL, 32, "lock incl " M)
SNIP(neg8_mem, "arith", "", K_ONE, FR_ALL, 8, "negb " M16)

/* ---- logic */
BIN4(and, "logic", K_BIN, FR_LOGIC)
BIN4(or, "logic", K_BIN, FR_LOGIC)
BIN4(xor, "logic", K_BIN, FR_LOGIC)
BIN4(test, "logic", K_BIN, FR_LOGIC)
UN4(not, "logic", K_UN, FR_ALL)
SNIP(and64_imm, "logic", "", K_UN, FR_LOGIC, 64, "andq $-16, %%rax")
SNIP(and32_imm, "logic", "", K_UN, FR_LOGIC, 32, "andl $0x8000ffff, %%eax")
SNIP(or8_imm, "logic", "", K_UN, FR_LOGIC, 8, "orb $0x80, %%al")
SNIP(xor32_self, "logic", "", K_UN, FR_LOGIC, 32, "xorl %%eax, %%eax")
SNIP(test8_imm, "logic", "", K_UN, FR_LOGIC, 8, "testb $0x81, %%al")
SNIP(test64_imm, "logic", "", K_UN, FR_LOGIC, 64, "testq $-0x100, %%rax")
SNIP(xor64_mem, "logic", "", K_UN, FR_LOGIC, 64, "xorq %%rax, " M)
SNIP(lock_or8_mem, "logic", "", K_UN, FR_LOGIC, 8, "lock orb %%al, " M8)

/* ---- multiply */
SNIP(mul8, "mul", "", K_BIN, FR_MUL, 8, "mulb %%bl")
SNIP(mul16, "mul", "", K_BIN, FR_MUL, 16, "mulw %%bx")
SNIP(mul32, "mul", "", K_BIN, FR_MUL, 32, "mull %%ebx")
SNIP(mul64, "mul", "", K_BIN, FR_MUL, 64, "mulq %%rbx")
SNIP(imul8_1op, "mul", "", K_BIN, FR_MUL, 8, "imulb %%bl")
SNIP(imul16_1op, "mul", "", K_BIN, FR_MUL, 16, "imulw %%bx")
SNIP(imul32_1op, "mul", "", K_BIN, FR_MUL, 32, "imull %%ebx")
SNIP(imul64_1op, "mul", "", K_BIN, FR_MUL, 64, "imulq %%rbx")
SNIP(imul16_2op, "mul", "", K_BIN, FR_MUL, 16, "imulw %%bx, %%ax")
SNIP(imul32_2op, "mul", "", K_BIN, FR_MUL, 32, "imull %%ebx, %%eax")
SNIP(imul64_2op, "mul", "", K_BIN, FR_MUL, 64, "imulq %%rbx, %%rax")
SNIP(imul16_3op, "mul", "", K_UNB, FR_MUL, 16, "imulw $-3, %%bx, %%ax")
SNIP(imul32_3op, "mul", "", K_UNB, FR_MUL, 32, "imull $0x12345, %%ebx, %%eax")
SNIP(imul64_3op, "mul", "", K_UNB, FR_MUL, 64, "imulq $-0x7fffffff, %%rbx, %%rax")
SNIP(imul64_3op_imm8, "mul", "", K_UNB, FR_MUL, 64, "imulq $7, %%rbx, %%rax")
SNIP(mul64_mem, "mul", "", K_UN, FR_MUL, 64, "mulq " M)

/* ---- divide (inputs chosen so that nothing faults) */
SNIP(div8, "div", "", K_DIVU, FR_NONE, 8, "divb %%bl")
SNIP(div16, "div", "", K_DIVU, FR_NONE, 16, "divw %%bx")
SNIP(div32, "div", "", K_DIVU, FR_NONE, 32, "divl %%ebx")
SNIP(div64, "div", "", K_DIVU, FR_NONE, 64, "divq %%rbx")
SNIP(idiv8, "div", "", K_DIVS, FR_NONE, 8, "idivb %%bl")
SNIP(idiv16, "div", "", K_DIVS, FR_NONE, 16, "idivw %%bx")
SNIP(idiv32, "div", "", K_DIVS, FR_NONE, 32, "idivl %%ebx")
SNIP(idiv64, "div", "", K_DIVS, FR_NONE, 64, "idivq %%rbx")

/* ---- shifts and rotates: by %cl, by 1, by an immediate */
#define SH4(OP, FR, FR1, FRN, I8, I16, I32, I64) \
    SNIP(OP##8_cl, "shift", "", K_SH, FR, 8, #OP "b %%cl, %%al") \
    SNIP(OP##16_cl, "shift", "", K_SH, FR, 16, #OP "w %%cl, %%ax") \
    SNIP(OP##32_cl, "shift", "", K_SH, FR, 32, #OP "l %%cl, %%eax") \
    SNIP(OP##64_cl, "shift", "", K_SH, FR, 64, #OP "q %%cl, %%rax") \
    SNIP(OP##8_1, "shift", "", K_UN, FR1, 8, #OP "b %%al") \
    SNIP(OP##16_1, "shift", "", K_UN, FR1, 16, #OP "w %%ax") \
    SNIP(OP##32_1, "shift", "", K_UN, FR1, 32, #OP "l %%eax") \
    SNIP(OP##64_1, "shift", "", K_UN, FR1, 64, #OP "q %%rax") \
    SNIP(OP##8_imm, "shift", "", K_UN, FRN, 8, #OP "b $" #I8 ", %%al") \
    SNIP(OP##16_imm, "shift", "", K_UN, FRN, 16, #OP "w $" #I16 ", %%ax") \
    SNIP(OP##32_imm, "shift", "", K_UN, FRN, 32, #OP "l $" #I32 ", %%eax") \
    SNIP(OP##64_imm, "shift", "", K_UN, FRN, 64, #OP "q $" #I64 ", %%rax")

SH4(shl, FR_SH, FR_SH1, FR_SHN, 3, 9, 17, 45)
SH4(shr, FR_SH, FR_SH1, FR_SHN, 5, 11, 31, 63)
SH4(sar, FR_SH, FR_SH1, FR_SHN, 7, 15, 20, 33)
SH4(rol, FR_ROT, FR_ROT1, FR_ROTN, 3, 9, 17, 45)
SH4(ror, FR_ROT, FR_ROT1, FR_ROTN, 5, 11, 31, 63)
SH4(rcl, FR_ROT, FR_ROT1, FR_ROTN, 7, 15, 20, 33)
SH4(rcr, FR_ROT, FR_ROT1, FR_ROTN, 3, 9, 17, 45)
SNIP(shl64_mem_cl, "shift", "", K_SH, FR_SH, 64, "shlq %%cl, " M)
SNIP(sar16_mem_1, "shift", "", K_ONE, FR_SH1, 16, "sarw " M8)
SNIP(rol32_mem_imm, "shift", "", K_ONE, FR_ROTN, 32, "roll $13, " M16)

/* ---- double shifts (16-bit counts above 16 give undefined results: K_SHX16 avoids them) */
SNIP(shld16_cl, "shxd", "", K_SHX16, FR_SHXD, 16, "shldw %%cl, %%bx, %%ax")
SNIP(shrd16_cl, "shxd", "", K_SHX16, FR_SHXD, 16, "shrdw %%cl, %%bx, %%ax")
SNIP(shld32_cl, "shxd", "", K_SHX, FR_SHXD, 32, "shldl %%cl, %%ebx, %%eax")
SNIP(shrd32_cl, "shxd", "", K_SHX, FR_SHXD, 32, "shrdl %%cl, %%ebx, %%eax")
SNIP(shld64_cl, "shxd", "", K_SHX, FR_SHXD, 64, "shldq %%cl, %%rbx, %%rax")
SNIP(shrd64_cl, "shxd", "", K_SHX, FR_SHXD, 64, "shrdq %%cl, %%rbx, %%rax")
SNIP(shld16_imm, "shxd", "", K_BIN, FR_SHXDN, 16, "shldw $5, %%bx, %%ax")
SNIP(shrd16_imm, "shxd", "", K_BIN, FR_SHXDN, 16, "shrdw $12, %%bx, %%ax")
SNIP(shld32_imm, "shxd", "", K_BIN, FR_SHXDN, 32, "shldl $7, %%ebx, %%eax")
SNIP(shrd32_imm, "shxd", "", K_BIN, FR_SHXDN, 32, "shrdl $31, %%ebx, %%eax")
SNIP(shld64_imm, "shxd", "", K_BIN, FR_SHXDN, 64, "shldq $40, %%rbx, %%rax")
SNIP(shrd64_imm, "shxd", "", K_BIN, FR_SHXDN, 64, "shrdq $3, %%rbx, %%rax")
SNIP(shld64_1, "shxd", "", K_BIN, FR_SHXD1, 64, "shldq $1, %%rbx, %%rax")
SNIP(shrd32_1, "shxd", "", K_BIN, FR_SHXD1, 32, "shrdl $1, %%ebx, %%eax")

/* ---- bit operations */
SNIP(bt16, "bits", "", K_BIN, FR_BT, 16, "btw %%bx, %%ax")
SNIP(bt32, "bits", "", K_BIN, FR_BT, 32, "btl %%ebx, %%eax")
SNIP(bt64, "bits", "", K_BIN, FR_BT, 64, "btq %%rbx, %%rax")
SNIP(bts32, "bits", "", K_BIN, FR_BT, 32, "btsl %%ebx, %%eax")
SNIP(bts64, "bits", "", K_BIN, FR_BT, 64, "btsq %%rbx, %%rax")
SNIP(btr32, "bits", "", K_BIN, FR_BT, 32, "btrl %%ebx, %%eax")
SNIP(btr64, "bits", "", K_BIN, FR_BT, 64, "btrq %%rbx, %%rax")
SNIP(btc16, "bits", "", K_BIN, FR_BT, 16, "btcw %%bx, %%ax")
SNIP(btc64, "bits", "", K_BIN, FR_BT, 64, "btcq %%rbx, %%rax")
SNIP(bt64_imm, "bits", "", K_UN, FR_BT, 64, "btq $63, %%rax")
SNIP(bts64_imm, "bits", "", K_UN, FR_BT, 64, "btsq $40, %%rax")
SNIP(btr32_imm, "bits", "", K_UN, FR_BT, 32, "btrl $31, %%eax")
SNIP(btc16_imm, "bits", "", K_UN, FR_BT, 16, "btcw $3, %%ax")
SNIP(bt64_mem, "bits", "", K_BTM, FR_BT, 64, "btq %%rbx, " M8)
SNIP(bts64_mem, "bits", "", K_BTM, FR_BT, 64, "btsq %%rbx, " M8)
SNIP(btr32_mem, "bits", "", K_BTM, FR_BT, 32, "btrl %%ebx, " M8)
SNIP(lock_btc64_mem, "bits", "", K_BTM, FR_BT, 64, "lock btcq %%rbx, " M8)
SNIP(bsf16, "bits", "", K_NZ, FR_BS, 16, "bsfw %%ax, %%bx")
SNIP(bsf32, "bits", "", K_NZ, FR_BS, 32, "bsfl %%eax, %%ebx")
SNIP(bsf64, "bits", "", K_NZ, FR_BS, 64, "bsfq %%rax, %%rbx")
SNIP(bsr16, "bits", "", K_NZ, FR_BS, 16, "bsrw %%ax, %%bx")
SNIP(bsr32, "bits", "", K_NZ, FR_BS, 32, "bsrl %%eax, %%ebx")
SNIP(bsr64, "bits", "", K_NZ, FR_BS, 64, "bsrq %%rax, %%rbx")
SNIP(lzcnt16, "bits", "abm", K_UN, FR_CNT, 16, "lzcntw %%ax, %%bx")
SNIP(lzcnt32, "bits", "abm", K_UN, FR_CNT, 32, "lzcntl %%eax, %%ebx")
SNIP(lzcnt64, "bits", "abm", K_UN, FR_CNT, 64, "lzcntq %%rax, %%rbx")
SNIP(tzcnt16, "bits", "bmi1", K_UN, FR_CNT, 16, "tzcntw %%ax, %%bx")
SNIP(tzcnt32, "bits", "bmi1", K_UN, FR_CNT, 32, "tzcntl %%eax, %%ebx")
SNIP(tzcnt64, "bits", "bmi1", K_UN, FR_CNT, 64, "tzcntq %%rax, %%rbx")
SNIP(popcnt16, "bits", "popcnt", K_UN, FR_ALL, 16, "popcntw %%ax, %%bx")
SNIP(popcnt32, "bits", "popcnt", K_UN, FR_ALL, 32, "popcntl %%eax, %%ebx")
SNIP(popcnt64, "bits", "popcnt", K_UN, FR_ALL, 64, "popcntq %%rax, %%rbx")
SNIP(bswap32, "bits", "", K_UN, FR_ALL, 32, "bswapl %%eax")
SNIP(bswap64, "bits", "", K_UN, FR_ALL, 64, "bswapq %%rax")

/* ---- moves, sign/zero extension, conditional moves and sets */
SNIP(movsbw, "move", "", K_UNB, FR_ALL, 16, "movsbw %%bl, %%ax")
SNIP(movsbl, "move", "", K_UNB, FR_ALL, 32, "movsbl %%bl, %%eax")
SNIP(movsbq, "move", "", K_UNB, FR_ALL, 64, "movsbq %%bl, %%rax")
SNIP(movswl, "move", "", K_UNB, FR_ALL, 32, "movswl %%bx, %%eax")
SNIP(movswq, "move", "", K_UNB, FR_ALL, 64, "movswq %%bx, %%rax")
SNIP(movslq, "move", "", K_UNB, FR_ALL, 64, "movslq %%ebx, %%rax")
SNIP(movzbw, "move", "", K_UNB, FR_ALL, 16, "movzbw %%bl, %%ax")
SNIP(movzbl, "move", "", K_UNB, FR_ALL, 32, "movzbl %%bl, %%eax")
SNIP(movzbq, "move", "", K_UNB, FR_ALL, 64, "movzbq %%bl, %%rax")
SNIP(movzwl, "move", "", K_UNB, FR_ALL, 32, "movzwl %%bx, %%eax")
SNIP(movzwq, "move", "", K_UNB, FR_ALL, 64, "movzwq %%bx, %%rax")
SNIP(movsbl_mem, "move", "", K_ONE, FR_ALL, 32, "movsbl " M16 ", %%eax")
SNIP(mov8_ah, "move", "", K_UNB, FR_ALL, 8, "movb %%bl, %%ah")
SNIP(mov8_from_bh, "move", "", K_UNB, FR_ALL, 8, "movb %%bh, %%al")
SNIP(mov16, "move", "", K_UNB, FR_ALL, 16, "movw %%bx, %%ax")
SNIP(mov32_zero_ext, "move", "", K_UNB, FR_ALL, 32, "movl %%ebx, %%eax")
SNIP(mov64_imm, "move", "", K_ONE, FR_ALL, 64, "movabsq $0x123456789abcdef0, %%rax\n\tmovl $-1, %%ebx\n\tmovq $-1, %%rcx")
SNIP(xchg64, "move", "", K_UNB, FR_ALL, 64, "xchgq %%rbx, %%rax")
SNIP(xchg32, "move", "", K_UNB, FR_ALL, 32, "xchgl %%ebx, %%eax")
SNIP(xchg8_ah, "move", "", K_UNB, FR_ALL, 8, "xchgb %%bl, %%ah")
SNIP(xchg64_mem, "move", "", K_UNB, FR_ALL, 64, "xchgq %%rbx, " M)
SNIP(xadd64, "move", "", K_BIN, FR_ALL, 64, "xaddq %%rbx, %%rax")
SNIP(xadd16, "move", "", K_BIN, FR_ALL, 16, "xaddw %%bx, %%ax")
SNIP(lock_xadd32_mem, "move", "", K_UNB, FR_ALL, 32, "lock xaddl %%ebx, " M)
SNIP(cmpxchg8, "move", "", K_BIN, FR_ALL, 8, "cmpxchgb %%cl, %%bl")
SNIP(cmpxchg16, "move", "", K_BIN, FR_ALL, 16, "cmpxchgw %%cx, %%bx")
/* (rax and rbx zero-extended first: which of the two registers a 32-bit cmpxchg writes,
 * and so zero-extends, differs between Intel and AMD CPUs) */
SNIP(cmpxchg32, "move", "", K_BIN, FR_ALL, 32, "movl %%eax, %%eax\n\tmovl %%ebx, %%ebx\n\tcmpxchgl %%ecx, %%ebx")
SNIP(cmpxchg64, "move", "", K_BIN, FR_ALL, 64, "cmpxchgq %%rcx, %%rbx")
SNIP(lock_cmpxchg64_mem, "move", "", K_CXM, FR_ALL, 64, "lock cmpxchgq %%rcx, " M)
SNIP(lock_cmpxchg16b, "move", "cx16", K_CX16, FR_ALL, 64, "lock cmpxchg16b " M)
SNIP(lea64, "move", "", K_BIN, FR_ALL, 64, "leaq 0x12(%%rax,%%rbx,4), %%rcx")
SNIP(lea32, "move", "", K_BIN, FR_ALL, 32, "leal -1(%%rax,%%rbx), %%ecx")
SNIP(lea16, "move", "", K_BIN, FR_ALL, 16, "leaw (%%rax,%%rax,8), %%cx")
SNIP(lea64_index_only, "move", "", K_BIN, FR_ALL, 64, "leaq -0x80000000(,%%rbx,8), %%rcx")
SNIP(cbw, "move", "", K_UN, FR_ALL, 16, "cbtw")
SNIP(cwde, "move", "", K_UN, FR_ALL, 32, "cwtl")
SNIP(cdqe, "move", "", K_UN, FR_ALL, 64, "cltq")
SNIP(cwd, "move", "", K_UN, FR_ALL, 16, "cwtd")
SNIP(cdq, "move", "", K_UN, FR_ALL, 32, "cltd")
SNIP(cqo, "move", "", K_UN, FR_ALL, 64, "cqto")

#define CC16(M4, PRE, SUF, KIND, W, OPS) \
    M4(o, PRE, SUF, KIND, W, OPS) M4(no, PRE, SUF, KIND, W, OPS) M4(b, PRE, SUF, KIND, W, OPS) \
    M4(ae, PRE, SUF, KIND, W, OPS) M4(e, PRE, SUF, KIND, W, OPS) M4(ne, PRE, SUF, KIND, W, OPS) \
    M4(be, PRE, SUF, KIND, W, OPS) M4(a, PRE, SUF, KIND, W, OPS) M4(s, PRE, SUF, KIND, W, OPS) \
    M4(ns, PRE, SUF, KIND, W, OPS) M4(p, PRE, SUF, KIND, W, OPS) M4(np, PRE, SUF, KIND, W, OPS) \
    M4(l, PRE, SUF, KIND, W, OPS) M4(ge, PRE, SUF, KIND, W, OPS) M4(le, PRE, SUF, KIND, W, OPS) \
    M4(g, PRE, SUF, KIND, W, OPS)
#define ONECC(CC, PRE, SUF, KIND, W, OPS) \
    SNIP(PRE##CC##SUF, "cond", "", KIND, FR_ALL, W, #PRE #CC " " OPS)
CC16(ONECC, cmov, q, K_CC, 64, "%%rbx, %%rax")
CC16(ONECC, cmov, l, K_CC, 32, "%%ebx, %%eax")
CC16(ONECC, set, , K_CC, 8, "%%al")
SNIP(cmovw_e, "cond", "", K_CC, FR_ALL, 16, "cmovew %%bx, %%ax")
SNIP(cmovq_ne_mem, "cond", "", K_CC, FR_ALL, 64, "cmovneq " M ", %%rax")
SNIP(setg_mem, "cond", "", K_CC, FR_ALL, 8, "setg " M)
SNIP(cmc_stc_clc, "cond", "", K_CC, FR_ALL, 64, "cmc\n\tsetc %%al\n\tstc\n\tsetc %%bl\n\tclc\n\tsetc %%cl")
SNIP(pushfq_bits, "cond", "", K_CC, FR_ALL, 64, "pushfq\n\tpopq %%rax\n\tandq $0x2fffff, %%rax")
SNIP(std_cld, "cond", "", K_CC, FR_ALL, 64, "std\n\tpushfq\n\tpopq %%rax\n\tcld\n\tpushfq\n\tpopq %%rbx\n\tandq $0x400, %%rax\n\tandq $0x400, %%rbx")
SNIP(lahf_sahf, "cond", "", K_CC, FR_ALL, 64, "lahf\n\tmovb %%ah, %%bl\n\txorb $0xd5, %%ah\n\tsahf")

/* ---- string instructions (DF clear), on m: source m[0..31], destination m[64..95] */
SNIP(rep_movsb, "string", "", K_STR, FR_ALL, 8, "leaq " M ", %%rsi\n\tleaq " M64 ", %%rdi\n\trep movsb")
SNIP(rep_stosb, "string", "", K_STR, FR_ALL, 8, "leaq " M64 ", %%rdi\n\trep stosb")
SNIP(repe_cmpsb, "string", "", K_STR, FR_ALL, 8, "leaq " M ", %%rsi\n\tleaq " M64 ", %%rdi\n\trepe cmpsb")
SNIP(repne_scasb, "string", "", K_STR, FR_ALL, 8, "leaq " M ", %%rdi\n\trepne scasb")
SNIP(repe_scasb, "string", "", K_STR, FR_ALL, 8, "leaq " M64 ", %%rdi\n\tmovb $0x41, %%al\n\trepe scasb")
SNIP(rep_movsq, "string", "", K_STR, FR_ALL, 64, "andq $7, %%rcx\n\tleaq " M ", %%rsi\n\tleaq " M64 ", %%rdi\n\trep movsq")
SNIP(rep_stosl, "string", "", K_STR, FR_ALL, 32, "andq $7, %%rcx\n\tleaq " M64 ", %%rdi\n\trep stosl")
SNIP(movsw_once, "string", "", K_ONE, FR_ALL, 16, "leaq " M ", %%rsi\n\tleaq " M64 ", %%rdi\n\tmovsw")
SNIP(lodsq_once, "string", "", K_ONE, FR_ALL, 64, "leaq " M8 ", %%rsi\n\tlodsq")
SNIP(stosq_once, "string", "", K_ONE, FR_ALL, 64, "leaq " M64 ", %%rdi\n\tstosq")
SNIP(cmpsq_once, "string", "", K_ONE, FR_ALL, 64, "leaq " M ", %%rsi\n\tleaq " M64 ", %%rdi\n\tcmpsq")

/* ---- SSE2 integer: op %xmm1, %xmm0 */
#define X2(NAME, GRP, FEAT, INSN) SNIP(NAME, GRP, FEAT, K_X, FR_ALL, 0, #INSN " %%xmm1, %%xmm0")
X2(paddb, "sse2i", "", paddb) X2(paddw, "sse2i", "", paddw) X2(paddd, "sse2i", "", paddd)
X2(paddq, "sse2i", "", paddq) X2(psubb, "sse2i", "", psubb) X2(psubw, "sse2i", "", psubw)
X2(psubd, "sse2i", "", psubd) X2(psubq, "sse2i", "", psubq) X2(paddsb, "sse2i", "", paddsb)
X2(paddsw, "sse2i", "", paddsw) X2(paddusb, "sse2i", "", paddusb) X2(paddusw, "sse2i", "", paddusw)
X2(psubsb, "sse2i", "", psubsb) X2(psubsw, "sse2i", "", psubsw) X2(psubusb, "sse2i", "", psubusb)
X2(psubusw, "sse2i", "", psubusw) X2(pmullw, "sse2i", "", pmullw) X2(pmulhw, "sse2i", "", pmulhw)
X2(pmulhuw, "sse2i", "", pmulhuw) X2(pmuludq, "sse2i", "", pmuludq) X2(pmaddwd, "sse2i", "", pmaddwd)
X2(pavgb, "sse2i", "", pavgb) X2(pavgw, "sse2i", "", pavgw) X2(pminub, "sse2i", "", pminub)
X2(pmaxub, "sse2i", "", pmaxub) X2(pminsw, "sse2i", "", pminsw) X2(pmaxsw, "sse2i", "", pmaxsw)
X2(psadbw, "sse2i", "", psadbw) X2(pcmpeqb, "sse2i", "", pcmpeqb) X2(pcmpeqw, "sse2i", "", pcmpeqw)
X2(pcmpeqd, "sse2i", "", pcmpeqd) X2(pcmpgtb, "sse2i", "", pcmpgtb) X2(pcmpgtw, "sse2i", "", pcmpgtw)
X2(pcmpgtd, "sse2i", "", pcmpgtd) X2(pand, "sse2i", "", pand) X2(por, "sse2i", "", por)
X2(pxor, "sse2i", "", pxor) X2(pandn, "sse2i", "", pandn) X2(punpcklbw, "sse2i", "", punpcklbw)
X2(punpcklwd, "sse2i", "", punpcklwd) X2(punpckldq, "sse2i", "", punpckldq)
X2(punpcklqdq, "sse2i", "", punpcklqdq) X2(punpckhbw, "sse2i", "", punpckhbw)
X2(punpckhwd, "sse2i", "", punpckhwd) X2(punpckhdq, "sse2i", "", punpckhdq)
X2(punpckhqdq, "sse2i", "", punpckhqdq) X2(packsswb, "sse2i", "", packsswb)
X2(packssdw, "sse2i", "", packssdw) X2(packuswb, "sse2i", "", packuswb)
SNIP(paddd_mem, "sse2i", "", K_X, FR_ALL, 0, "paddd " M ", %%xmm0")
SNIP(pshufd, "sse2i", "", K_X1, FR_ALL, 0, "pshufd $0x1b, %%xmm0, %%xmm2\n\tpshufd $0xe5, %%xmm0, %%xmm3")
SNIP(pshuflw, "sse2i", "", K_X1, FR_ALL, 0, "pshuflw $0xb1, %%xmm0, %%xmm2")
SNIP(pshufhw, "sse2i", "", K_X1, FR_ALL, 0, "pshufhw $0x4e, %%xmm0, %%xmm2")
SNIP(psllw_imm, "sse2i", "", K_X1, FR_ALL, 0, "psllw $3, %%xmm0")
SNIP(pslld_imm, "sse2i", "", K_X1, FR_ALL, 0, "pslld $17, %%xmm0")
SNIP(psllq_imm, "sse2i", "", K_X1, FR_ALL, 0, "psllq $33, %%xmm0")
SNIP(psrlw_imm, "sse2i", "", K_X1, FR_ALL, 0, "psrlw $5, %%xmm0")
SNIP(psrld_imm, "sse2i", "", K_X1, FR_ALL, 0, "psrld $1, %%xmm0")
SNIP(psrlq_imm, "sse2i", "", K_X1, FR_ALL, 0, "psrlq $63, %%xmm0")
SNIP(psraw_imm, "sse2i", "", K_X1, FR_ALL, 0, "psraw $7, %%xmm0")
SNIP(psrad_imm, "sse2i", "", K_X1, FR_ALL, 0, "psrad $31, %%xmm0")
SNIP(psllw_imm_big, "sse2i", "", K_X1, FR_ALL, 0, "psllw $16, %%xmm0\n\tpsrlq $64, %%xmm1")
SNIP(psraw_imm_big, "sse2i", "", K_X1, FR_ALL, 0, "psraw $40, %%xmm0\n\tpsrad $32, %%xmm1")
SNIP(pslldq, "sse2i", "", K_X1, FR_ALL, 0, "pslldq $3, %%xmm0\n\tpslldq $16, %%xmm1")
SNIP(psrldq, "sse2i", "", K_X1, FR_ALL, 0, "psrldq $5, %%xmm0\n\tpsrldq $15, %%xmm1")
SNIP(psllw_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psllw %%xmm1, %%xmm0")
SNIP(pslld_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "pslld %%xmm1, %%xmm0")
SNIP(psllq_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psllq %%xmm1, %%xmm0")
SNIP(psrlw_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psrlw %%xmm1, %%xmm0")
SNIP(psrld_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psrld %%xmm1, %%xmm0")
SNIP(psrlq_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psrlq %%xmm1, %%xmm0")
SNIP(psraw_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psraw %%xmm1, %%xmm0")
SNIP(psrad_xmm, "sse2i", "", K_XSH, FR_ALL, 0, "psrad %%xmm1, %%xmm0")
SNIP(movd_to_gpr, "sse2i", "", K_X1, FR_ALL, 0, "movd %%xmm0, %%eax")
SNIP(movq_to_gpr, "sse2i", "", K_X1, FR_ALL, 0, "movq %%xmm0, %%rax")
SNIP(movd_from_gpr, "sse2i", "", K_UN, FR_ALL, 0, "movd %%eax, %%xmm2")
SNIP(movq_from_gpr, "sse2i", "", K_UN, FR_ALL, 0, "movq %%rax, %%xmm2")
SNIP(movq_xmm_xmm, "sse2i", "", K_X1, FR_ALL, 0, "movq %%xmm0, %%xmm2")
SNIP(movq_from_mem, "sse2i", "", K_ONE, FR_ALL, 0, "movq " M8 ", %%xmm2\n\tmovd " M ", %%xmm3")
SNIP(movq_to_mem, "sse2i", "", K_X1, FR_ALL, 0, "movq %%xmm0, " M "\n\tmovd %%xmm0, " M16)
SNIP(movsd_xmm_xmm, "sse2i", "", K_X, FR_ALL, 0, "movsd %%xmm1, %%xmm0\n\tmovsd " M ", %%xmm2")
SNIP(movss_xmm_xmm, "sse2i", "", K_X, FR_ALL, 0, "movss %%xmm1, %%xmm0\n\tmovss " M ", %%xmm2")
SNIP(movhlps_movlhps, "sse2i", "", K_X, FR_ALL, 0, "movhlps %%xmm1, %%xmm0\n\tmovlhps %%xmm1, %%xmm2")
SNIP(pmovmskb, "sse2i", "", K_X1, FR_ALL, 0, "pmovmskb %%xmm0, %%eax")
SNIP(movmskpd_ps, "sse2i", "", K_X1, FR_ALL, 0, "movmskpd %%xmm0, %%eax\n\tmovmskps %%xmm0, %%ebx")
SNIP(pextrw, "sse2i", "", K_X1, FR_ALL, 0, "pextrw $5, %%xmm0, %%eax")
SNIP(pinsrw, "sse2i", "", K_UN, FR_ALL, 0, "pinsrw $2, %%eax, %%xmm0")
SNIP(movdqu_mem, "sse2i", "", K_X1, FR_ALL, 0, "movdqu %%xmm0, 3+" M "\n\tmovdqu 5+" M ", %%xmm2")
SNIP(shufpd, "sse2i", "", K_X, FR_ALL, 0, "shufpd $1, %%xmm1, %%xmm0")

/* ---- SSE/SSE2 floating point */
#define FD(NAME, INSN) SNIP(NAME, "sse2f", "", K_FD, FR_ALL, 0, #INSN " %%xmm1, %%xmm0")
#define FS(NAME, INSN) SNIP(NAME, "sse2f", "", K_FS, FR_ALL, 0, #INSN " %%xmm1, %%xmm0")
FD(addsd, addsd) FD(subsd, subsd) FD(mulsd, mulsd) FD(divsd, divsd) FD(sqrtsd, sqrtsd)
FD(minsd, minsd) FD(maxsd, maxsd) FD(ucomisd, ucomisd) FD(comisd, comisd)
FD(cmpeqsd, cmpeqsd) FD(cmpltsd, cmpltsd) FD(cmplesd, cmplesd) FD(cmpunordsd, cmpunordsd)
FD(cmpneqsd, cmpneqsd) FD(cmpnltsd, cmpnltsd) FD(addpd, addpd) FD(mulpd, mulpd)
FD(andpd, andpd) FD(xorpd, xorpd) FD(andnpd, andnpd) FD(cvtsd2ss, cvtsd2ss)
FD(unpcklpd, unpcklpd) FD(maxpd, maxpd)
FS(addss, addss) FS(subss, subss) FS(mulss, mulss) FS(divss, divss) FS(sqrtss, sqrtss)
FS(minss, minss) FS(maxss, maxss) FS(ucomiss, ucomiss) FS(comiss, comiss)
FS(addps, addps) FS(subps, subps) FS(mulps, mulps) FS(divps, divps) FS(minps, minps)
FS(maxps, maxps) FS(sqrtps, sqrtps) FS(andps, andps) FS(andnps, andnps) FS(orps, orps)
FS(xorps, xorps) FS(unpcklps, unpcklps) FS(unpckhps, unpckhps) FS(cmpltps, cmpltps)
FS(cvtss2sd, cvtss2sd) FS(cvtps2pd, cvtps2pd) FS(cvtdq2ps, cvtdq2ps) FS(cvttps2dq, cvttps2dq)
FS(cvtps2dq, cvtps2dq) FS(cvtdq2pd, cvtdq2pd)
SNIP(shufps_1b, "sse2f", "", K_FS, FR_ALL, 0, "shufps $0x1b, %%xmm1, %%xmm0")
SNIP(shufps_e4, "sse2f", "", K_FS, FR_ALL, 0, "shufps $0xe4, %%xmm1, %%xmm0")
SNIP(shufps_4e, "sse2f", "", K_FS, FR_ALL, 0, "shufps $0x4e, %%xmm1, %%xmm0")
SNIP(addsd_mem, "sse2f", "", K_FD, FR_ALL, 0, "addsd " M ", %%xmm0")
SNIP(cvtsd2si64, "sse2f", "", K_CVT, FR_ALL, 0, "cvtsd2si %%xmm0, %%rax")
SNIP(cvtsd2si32, "sse2f", "", K_CVT, FR_ALL, 0, "cvtsd2si %%xmm0, %%eax")
SNIP(cvttsd2si64, "sse2f", "", K_CVT, FR_ALL, 0, "cvttsd2si %%xmm0, %%rax")
SNIP(cvttsd2si32, "sse2f", "", K_CVT, FR_ALL, 0, "cvttsd2si %%xmm0, %%eax")
SNIP(cvtsd2ss_rc, "sse2f", "", K_CVT, FR_ALL, 0, "cvtsd2ss %%xmm0, %%xmm2")
SNIP(cvtpd2dq_rc, "sse2f", "", K_CVT, FR_ALL, 0, "cvtpd2dq %%xmm0, %%xmm2")
SNIP(cvttpd2dq, "sse2f", "", K_CVT, FR_ALL, 0, "cvttpd2dq %%xmm0, %%xmm2")
SNIP(cvtss2si64, "sse2f", "", K_CVTF, FR_ALL, 0, "cvtss2si %%xmm0, %%rax")
SNIP(cvtss2si32, "sse2f", "", K_CVTF, FR_ALL, 0, "cvtss2si %%xmm0, %%eax")
SNIP(cvttss2si64, "sse2f", "", K_CVTF, FR_ALL, 0, "cvttss2si %%xmm0, %%rax")
SNIP(cvtsi2sdq, "sse2f", "", K_CVTI, FR_ALL, 0, "cvtsi2sdq %%rax, %%xmm0")
SNIP(cvtsi2sdl, "sse2f", "", K_CVTI, FR_ALL, 0, "cvtsi2sdl %%eax, %%xmm0")
SNIP(cvtsi2ssq, "sse2f", "", K_CVTI, FR_ALL, 0, "cvtsi2ssq %%rax, %%xmm0")
SNIP(cvtsi2ssl, "sse2f", "", K_CVTI, FR_ALL, 0, "cvtsi2ssl %%eax, %%xmm0")
SNIP(addsd_rc, "sse2f", "", K_CVT, FR_ALL, 0, "addsd " M ", %%xmm0")
SNIP(mulsd_rc, "sse2f", "", K_CVT, FR_ALL, 0, "mulsd " M8 ", %%xmm0")
SNIP(divsd_rc, "sse2f", "", K_CVT, FR_ALL, 0, "divsd " M ", %%xmm0")
SNIP(sqrtsd_rc, "sse2f", "", K_CVT, FR_ALL, 0, "sqrtsd " M8 ", %%xmm2")
SNIP(stmxcsr_ldmxcsr, "sse2f", "", K_CVT, FR_ALL, 0, "stmxcsr " M16 "\n\tandl $0xffc0, " M16)

/* ---- SSSE3 */
X2(pshufb, "ssse3", "ssse3", pshufb) X2(pabsb, "ssse3", "ssse3", pabsb)
X2(pabsw, "ssse3", "ssse3", pabsw) X2(pabsd, "ssse3", "ssse3", pabsd)
X2(phaddw, "ssse3", "ssse3", phaddw) X2(phaddd, "ssse3", "ssse3", phaddd)
X2(phaddsw, "ssse3", "ssse3", phaddsw) X2(phsubw, "ssse3", "ssse3", phsubw)
X2(pmaddubsw, "ssse3", "ssse3", pmaddubsw) X2(pmulhrsw, "ssse3", "ssse3", pmulhrsw)
X2(psignb, "ssse3", "ssse3", psignb) X2(psignd, "ssse3", "ssse3", psignd)
SNIP(palignr_5, "ssse3", "ssse3", K_X, FR_ALL, 0, "palignr $5, %%xmm1, %%xmm0")
SNIP(palignr_12, "ssse3", "ssse3", K_X, FR_ALL, 0, "palignr $12, %%xmm1, %%xmm0")
SNIP(palignr_20, "ssse3", "ssse3", K_X, FR_ALL, 0, "palignr $20, %%xmm1, %%xmm0")
SNIP(palignr_32, "ssse3", "ssse3", K_X, FR_ALL, 0, "palignr $32, %%xmm1, %%xmm0")

/* ---- SSE4.1 */
X2(pminsb, "sse41", "sse4_1", pminsb) X2(pmaxsb, "sse41", "sse4_1", pmaxsb)
X2(pminuw, "sse41", "sse4_1", pminuw) X2(pmaxuw, "sse41", "sse4_1", pmaxuw)
X2(pminud, "sse41", "sse4_1", pminud) X2(pmaxud, "sse41", "sse4_1", pmaxud)
X2(pminsd, "sse41", "sse4_1", pminsd) X2(pmaxsd, "sse41", "sse4_1", pmaxsd)
X2(pmulld, "sse41", "sse4_1", pmulld) X2(pmuldq, "sse41", "sse4_1", pmuldq)
X2(pcmpeqq, "sse41", "sse4_1", pcmpeqq) X2(packusdw, "sse41", "sse4_1", packusdw)
X2(phminposuw, "sse41", "sse4_1", phminposuw)
X2(pmovzxbw, "sse41", "sse4_1", pmovzxbw) X2(pmovzxbd, "sse41", "sse4_1", pmovzxbd)
X2(pmovzxbq, "sse41", "sse4_1", pmovzxbq) X2(pmovzxwd, "sse41", "sse4_1", pmovzxwd)
X2(pmovzxwq, "sse41", "sse4_1", pmovzxwq) X2(pmovzxdq, "sse41", "sse4_1", pmovzxdq)
X2(pmovsxbw, "sse41", "sse4_1", pmovsxbw) X2(pmovsxbd, "sse41", "sse4_1", pmovsxbd)
X2(pmovsxbq, "sse41", "sse4_1", pmovsxbq) X2(pmovsxwd, "sse41", "sse4_1", pmovsxwd)
X2(pmovsxwq, "sse41", "sse4_1", pmovsxwq) X2(pmovsxdq, "sse41", "sse4_1", pmovsxdq)
SNIP(pmovzxbw_mem, "sse41", "sse4_1", K_ONE, FR_ALL, 0, "pmovzxbw " M8 ", %%xmm2")
SNIP(ptest, "sse41", "sse4_1", K_X, FR_ALL, 0, "ptest %%xmm1, %%xmm0")
SNIP(pblendvb, "sse41", "sse4_1", K_X, FR_ALL, 0, "pblendvb %%xmm0, %%xmm1, %%xmm2")
SNIP(blendvps, "sse41", "sse4_1", K_X, FR_ALL, 0, "blendvps %%xmm0, %%xmm1, %%xmm2")
SNIP(blendvpd, "sse41", "sse4_1", K_X, FR_ALL, 0, "blendvpd %%xmm0, %%xmm1, %%xmm2")
SNIP(blendps, "sse41", "sse4_1", K_X, FR_ALL, 0, "blendps $5, %%xmm1, %%xmm0")
SNIP(blendpd, "sse41", "sse4_1", K_X, FR_ALL, 0, "blendpd $2, %%xmm1, %%xmm0")
SNIP(pblendw, "sse41", "sse4_1", K_X, FR_ALL, 0, "pblendw $0xa5, %%xmm1, %%xmm0")
SNIP(roundsd_0, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundsd $0, %%xmm0, %%xmm2")
SNIP(roundsd_1, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundsd $1, %%xmm0, %%xmm2")
SNIP(roundsd_2, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundsd $2, %%xmm0, %%xmm2")
SNIP(roundsd_3, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundsd $3, %%xmm0, %%xmm2")
SNIP(roundsd_mxcsr, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundsd $4, %%xmm0, %%xmm2")
SNIP(roundss_mxcsr, "sse41", "sse4_1", K_CVTF, FR_ALL, 0, "roundss $4, %%xmm0, %%xmm2")
SNIP(roundpd_1, "sse41", "sse4_1", K_CVT, FR_ALL, 0, "roundpd $1, %%xmm0, %%xmm2")
SNIP(roundps_2, "sse41", "sse4_1", K_CVTF, FR_ALL, 0, "roundps $2, %%xmm0, %%xmm2")
SNIP(pextrb, "sse41", "sse4_1", K_X1, FR_ALL, 0, "pextrb $5, %%xmm0, %%eax\n\tpextrb $15, %%xmm0, %%ebx")
SNIP(pextrd, "sse41", "sse4_1", K_X1, FR_ALL, 0, "pextrd $2, %%xmm0, %%eax\n\tpextrd $3, %%xmm0, " M)
SNIP(pextrq, "sse41", "sse4_1", K_X1, FR_ALL, 0, "pextrq $1, %%xmm0, %%rax")
SNIP(pextrw_mem, "sse41", "sse4_1", K_X1, FR_ALL, 0, "pextrw $7, %%xmm0, " M8)
SNIP(pinsrb, "sse41", "sse4_1", K_UN, FR_ALL, 0, "pinsrb $7, %%eax, %%xmm0\n\tpinsrb $0, " M ", %%xmm1")
SNIP(pinsrd, "sse41", "sse4_1", K_UN, FR_ALL, 0, "pinsrd $3, %%eax, %%xmm0")
SNIP(pinsrq, "sse41", "sse4_1", K_UN, FR_ALL, 0, "pinsrq $1, %%rax, %%xmm0")
SNIP(insertps, "sse41", "sse4_1", K_FS, FR_ALL, 0, "insertps $0x5c, %%xmm1, %%xmm0")
SNIP(extractps, "sse41", "sse4_1", K_FS, FR_ALL, 0, "extractps $2, %%xmm0, %%eax")
SNIP(dpps, "sse41", "sse4_1", K_FS, FR_ALL, 0, "dpps $0xf1, %%xmm1, %%xmm0")
SNIP(dppd, "sse41", "sse4_1", K_FD, FR_ALL, 0, "dppd $0x31, %%xmm1, %%xmm0")
SNIP(mpsadbw, "sse41", "sse4_1", K_X, FR_ALL, 0, "mpsadbw $5, %%xmm1, %%xmm0")

/* ---- SSE4.2 */
X2(pcmpgtq, "sse42", "sse4_2", pcmpgtq)
SNIP(pcmpistri_00, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x00, %%xmm1, %%xmm0")
SNIP(pcmpistri_04, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x04, %%xmm1, %%xmm0")
SNIP(pcmpistri_08, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x08, %%xmm1, %%xmm0")
SNIP(pcmpistri_0c, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x0c, %%xmm1, %%xmm0")
SNIP(pcmpistri_1a, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x1a, %%xmm1, %%xmm0")
SNIP(pcmpistri_3a, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x3a, %%xmm1, %%xmm0")
SNIP(pcmpistri_40, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x40, %%xmm1, %%xmm0")
SNIP(pcmpistri_01, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistri $0x01, %%xmm1, %%xmm0")
SNIP(pcmpistrm_40, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistrm $0x40, %%xmm1, %%xmm2")
SNIP(pcmpistrm_00, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpistrm $0x00, %%xmm1, %%xmm2")
SNIP(pcmpestri_0c, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpestri $0x0c, %%xmm1, %%xmm0")
SNIP(pcmpestri_18, "sse42", "sse4_2", K_PSTR, FR_ALL, 0, "pcmpestri $0x18, %%xmm1, %%xmm0")
SNIP(crc32b, "sse42", "sse4_2", K_BIN, FR_ALL, 32, "crc32b %%bl, %%eax")
SNIP(crc32w, "sse42", "sse4_2", K_BIN, FR_ALL, 32, "crc32w %%bx, %%eax")
SNIP(crc32l, "sse42", "sse4_2", K_BIN, FR_ALL, 32, "crc32l %%ebx, %%eax")
SNIP(crc32q, "sse42", "sse4_2", K_BIN, FR_ALL, 64, "crc32q %%rbx, %%rax")

/* ---- x87, in double precision (precision control set to 53 bits around each one):
 *      m[0..7] = a, m[8..15] = b (doubles), result to m[16..25]; m[32..35] control words */
#define X87(NAME, KIND, FR, OPS) \
    SNIP(NAME, "x87", "", KIND, FR, 0, \
         "fnstcw " M32 "\n\tmovw $0x027f, " M34 "\n\tfldcw " M34 "\n\t" OPS "\n\tfldcw " M32)
X87(fadd, K_X87, FR_ALL, "fldl " M "\n\tfaddl " M8 "\n\tfstpl " M16)
X87(fsub, K_X87, FR_ALL, "fldl " M "\n\tfsubl " M8 "\n\tfstpl " M16)
X87(fsubr, K_X87, FR_ALL, "fldl " M "\n\tfsubrl " M8 "\n\tfstpl " M16)
X87(fmul, K_X87, FR_ALL, "fldl " M "\n\tfmull " M8 "\n\tfstpl " M16)
X87(fdiv, K_X87, FR_ALL, "fldl " M "\n\tfdivl " M8 "\n\tfstpl " M16)
X87(fdivr, K_X87, FR_ALL, "fldl " M "\n\tfdivrl " M8 "\n\tfstpl " M16)
X87(fadd_st, K_X87, FR_ALL, "fldl " M "\n\tfldl " M8 "\n\tfadd %%st(1), %%st\n\tfstpl " M16 "\n\tfstp %%st(0)")
X87(fmulp_st, K_X87, FR_ALL, "fldl " M "\n\tfldl " M8 "\n\tfmulp\n\tfstpl " M16)
X87(fsqrt, K_X87, FR_ALL, "fldl " M "\n\tfsqrt\n\tfstpl " M16)
X87(fabs_fchs, K_X87, FR_ALL, "fldl " M "\n\tfabs\n\tfstpl " M16 "\n\tfldl " M8 "\n\tfchs\n\tfstpl " M8)
X87(fld1_fldz, K_ONE, FR_ALL, "fld1\n\tfstpl " M16 "\n\tfldz\n\tfstpl " M8 "\n\tfld1\n\tfchs\n\tfstpl " M)
X87(fxch, K_X87, FR_ALL, "fldl " M "\n\tfldl " M8 "\n\tfxch\n\tfstpl " M16 "\n\tfstpl " M)
X87(fcomi, K_X87, FR_ZPC, "fldl " M8 "\n\tfldl " M "\n\tfcomi %%st(1), %%st\n\tfstp %%st(0)\n\tfstp %%st(0)")
X87(fucomi, K_X87, FR_ZPC, "fldl " M8 "\n\tfldl " M "\n\tfucomi %%st(1), %%st\n\tfstp %%st(0)\n\tfstp %%st(0)")
X87(fcomip, K_X87, FR_ZPC, "fldl " M8 "\n\tfldl " M "\n\tfcomip %%st(1), %%st\n\tfstp %%st(0)")
X87(fcom_fnstsw, K_X87, FR_ALL, "fldl " M "\n\tfcompl " M8 "\n\tfnstsw %%ax\n\tandw $0x4500, %%ax")
X87(ftst_fnstsw, K_X87, FR_ALL, "fldl " M "\n\tftst\n\tfnstsw %%ax\n\tandw $0x4500, %%ax\n\tfstp %%st(0)")
X87(fstpt, K_X87, FR_ALL, "fldl " M "\n\tfstpt " M16)
X87(flds_fsts, K_X87, FR_ALL, "fldl " M "\n\tfstps " M16 "\n\tflds " M16 "\n\tfstpl " M8)
X87(fild_fistp, K_X87, FR_ALL, "fildll " M "\n\tfstpl " M16 "\n\tfildl " M8 "\n\tfistpl " M8)
X87(fistp64_rc, K_X87RC, FR_ALL, "fldcw " M34 "\n\tfldl " M "\n\tfistpll " M16)
X87(fistp32_rc, K_X87RC, FR_ALL, "fldcw " M34 "\n\tfldl " M "\n\tfistpl " M16)
X87(fistp16_rc, K_X87RC, FR_ALL, "fldcw " M34 "\n\tfldl " M "\n\tfistps " M16)
X87(frndint_rc, K_X87RC, FR_ALL, "fldcw " M34 "\n\tfldl " M "\n\tfrndint\n\tfstpl " M16)
X87(fadd_rc, K_X87RC, FR_ALL, "fldcw " M34 "\n\tfldl " M "\n\tfaddl " M8 "\n\tfstpl " M16)
SNIP(fisttp64, "x87", "pni", K_X87RC, FR_ALL, 0, "fldl " M "\n\tfisttpll " M16)

/* ---- faults: each must reach the handler with the right signal, code and address */
static const uint64_t ro_data[512] __attribute__((aligned(4096))) = {1, 2, 3};
SNIP(fault_div0, "faults", "", K_ONE, FR_NONE, 64, "xorl %%ebx, %%ebx\n\tpgl_div0: divq %%rbx")
SNIP(fault_idiv_overflow, "faults", "", K_ONE, FR_NONE, 64,
     "movabsq $0x8000000000000000, %%rax\n\tcqto\n\tmovq $-1, %%rbx\n\tpgl_idiv: idivq %%rbx")
SNIP(fault_ud2, "faults", "", K_ONE, FR_NONE, 0, "pgl_ud2: ud2")
SNIP(fault_null_load, "faults", "", K_ONE, FR_NONE, 64, "xorl %%ebx, %%ebx\n\tpgl_null: movq 16(%%rbx), %%rax")
SNIP(fault_ro_store, "faults", "", K_ONE, FR_NONE, 64,
     "leaq ro_data+8(%%rip), %%rbx\n\tpgl_ro: movq %%rax, (%%rbx)")
SNIP(fault_int3, "faults", "", K_ONE, FR_NONE, 0, "pgl_int3: int3")
SNIP(fault_hlt, "faults", "", K_ONE, FR_NONE, 0, "pgl_hlt: hlt")

extern const char pgl_div0[], pgl_idiv[], pgl_ud2[], pgl_null[], pgl_ro[], pgl_int3[], pgl_hlt[];
static const struct { const char *name; const char *label; } labels[] = {
    {"fault_div0", pgl_div0}, {"fault_idiv_overflow", pgl_idiv}, {"fault_ud2", pgl_ud2},
    {"fault_null_load", pgl_null}, {"fault_ro_store", pgl_ro}, {"fault_int3", pgl_int3},
    {"fault_hlt", pgl_hlt},
};

/* ======================================================================= inputs */

static const uint64_t V[] = {
    0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x8000000000000000, 0x7fffffffffffffff, 0xffffffffffffffff, 0x123456789abcdef0,
    0xfedcba9876543281,
};
#define NV ((int)(sizeof V / sizeof V[0]))
static const uint64_t SV[] = {0x123456789abcdef0, 0xfedcba9876543281, 0x8000000080008001, 0x7f};
static const unsigned CNT[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255};
static const unsigned CNT16[] = {0, 1, 2, 7, 8, 9, 15, 16};
static const int64_t BTOFF[] = {0, 1, 7, 8, 63, 64, 100, 127, 500, -1, -8, -64};

/* 128-bit patterns for the SSE integer tests */
static const uint8_t XV[4][16] = {
    {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0xc0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0},
    {0xff, 0x80, 0x7f, 0x01, 0x00, 0x81, 0x40, 0x40, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21, 0x0f},
    {0xff, 0x7f, 0x00, 0x80, 0xff, 0xff, 0x01, 0x00, 0x34, 0x12, 0xcb, 0xed, 0x00, 0x00, 0x00, 0x40},
    {0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00},
};
static const uint64_t XSHCNT[] = {0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 0x100000001};

/* doubles, as bits */
static const uint64_t FD_VALS[] = {
    0x0000000000000000, /* 0 */
    0x8000000000000000, /* -0 */
    0x3ff0000000000000, /* 1 */
    0xbff8000000000000, /* -1.5 */
    0x4008000000000000, /* 3 */
    0x3fb999999999999a, /* 0.1 */
    0x7e37e43c8800759c, /* 1e300 */
    0x8000b8157268fdaf, /* -1e-310, subnormal */
    0x43e0000000000000, /* 2^63 */
    0x7ff0000000000000, /* inf */
    0xfff0000000000000, /* -inf */
    0x7ff8000000000123, /* qNaN with payload */
    0xfff4000000000456, /* negative sNaN with payload */
};
#define NFD ((int)(sizeof FD_VALS / sizeof FD_VALS[0]))
/* floats, as bits */
static const uint32_t FS_VALS[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x40400000, 0x3dcccccd, 0x7f7fffff,
    0x00400000, 0x7f800000, 0xff800000, 0x7fc00123, 0xffa00456,
};
#define NFS ((int)(sizeof FS_VALS / sizeof FS_VALS[0]))
/* conversion inputs (doubles, as bits) */
static const uint64_t CV_VALS[] = {
    0x3fe0000000000000, /* 0.5 */
    0x3ff8000000000000, /* 1.5 */
    0x4004000000000000, /* 2.5 */
    0xbfe0000000000000, /* -0.5 */
    0xbff8000000000000, /* -1.5 */
    0xc004000000000000, /* -2.5 */
    0x3fdfffffffffffff, /* 0.49999999999999994 */
    0x43e158e460913d00, /* 1e19 */
    0xc3e158e460913d00, /* -1e19 */
    0x43e0000000000000, /* 2^63 */
    0xc3e0000000000000, /* -2^63 */
    0x41dfffffffe00000, /* 2147483647.5 */
    0xc1e0000000100000, /* -2147483648.5 */
    0x7ff8000000000000, /* NaN */
    0x7ff0000000000000, /* inf */
    0x8000000000000000, /* -0 */
    0x40fe240c9fbe76c9, /* 123456.789 */
    0x3ff0000000000001, /* 1 + ulp */
};
#define NCV ((int)(sizeof CV_VALS / sizeof CV_VALS[0]))
static const uint32_t CVF_VALS[] = {
    0x3f000000, 0x3fc00000, 0x40200000, 0xbf000000, 0xbfc00000, 0x5f000000, 0xdf000000,
    0x7fc00000, 0x7f800000, 0x4b7fffff, 0x3effffff, 0x4f000000,
};
#define NCVF ((int)(sizeof CVF_VALS / sizeof CVF_VALS[0]))
static const uint64_t CI_VALS[] = {
    0, 1, (uint64_t)-1, 9007199254740993ULL, (uint64_t)-9007199254740993LL, 0x7fffffffffffffffULL,
    0x8000000000000000ULL, 0x7fffffff, 16777217, 0x0123456789abcdefULL, 0x80000001,
};
#define NCI ((int)(sizeof CI_VALS / sizeof CI_VALS[0]))
/* x87 inputs (doubles, as bits): nothing that over- or underflows a double */
static const uint64_t X87_VALS[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
    0x4008000000000000, 0x3fb999999999999a, 0x4202a05f20000000, 0xc01d000000000000,
    0x3eb0000000000000, 0x7ff0000000000000, 0x7ff8000000000000,
};
#define NX87 ((int)(sizeof X87_VALS / sizeof X87_VALS[0]))
/* strings for pcmpXstrX: 16 bytes each, with their lengths for the explicit-length forms */
static const char PSTR[6][17] = {
    "hello world\0\0\0\0\0", "world\0hello\0\0\0\0\0", "abcdefghijklmnop", "\0bcdefghijklmnop",
    "aeiou\0\0\0\0\0\0\0\0\0\0\0", "azAZ09\0\0\0\0\0\0\0\0\0\0",
};
static const int PSTR_LEN[6] = {11, 5, 16, 0, 5, 6};

static St template_st;

static void init_template(void)
{
    static const uint64_t r0[10] = {
        0xa1a2a3a4a5a6a7a8, 0xb1b2b3b4b5b6b7b8, 0xc1c2c3c4c5c6c7c8, 0xd1d2d3d4d5d6d7d8,
        0x5152535455565758, 0x6162636465666768, 0x0801020304050607, 0x0901020304050607,
        0x1001020304050607, 0x1101020304050607,
    };
    St *s = &template_st;
    memcpy(s->r, r0, sizeof r0);
    s->fl = FL_CLEAR;
    s->mxcsr = 0x1f80;
    s->mxcsr_def = 0x1f80;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 16; j++)
            s->x[i][j] = (uint8_t)((i * 16 + j) * 7 + 1);
    for (int j = 0; j < 128; j++)
        s->m[j] = (uint8_t)(j * 13 + 5);
}

static void defaults(St *s)
{
    *s = template_st;
}

/* What the input line shows (bits): r[0..9], then these. */
enum { V_FL = 1 << 10, V_X0 = 1 << 11, V_X1 = 1 << 12, V_M16 = 1 << 19, V_RC = 1 << 20, V_X87RC = 1 << 21 };

static void put64(void *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(void *p, uint32_t v) { memcpy(p, &v, 4); }

/* Division inputs that do not fault: computed once per (width, signedness). */
typedef struct { uint64_t hi, lo, d; } DivIn;
static DivIn divs[2][4][512];
static int ndivs[2][4] = {{-1, -1, -1, -1}, {-1, -1, -1, -1}};

static int widx(int w) { return w == 8 ? 0 : w == 16 ? 1 : w == 32 ? 2 : 3; }

static void make_divs(int sgn, int w)
{
    int n = 0;
    uint64_t mask = w == 64 ? ~0ULL : (1ULL << w) - 1;
    static const uint64_t HI[] = {0, 0xffffffffffffffff, 1, 0x12};
    for (int h = 0; h < 4; h++)
        for (int l = 0; l < NV; l++)
            for (int d = 0; d < NV; d++) {
                uint64_t hi = HI[h] & mask, lo = V[l] & mask, dv = V[d] & mask;
                if (dv == 0 || n >= 512)
                    continue;
                int ok;
                if (!sgn) {
                    ok = hi < dv;   /* the quotient fits in w bits */
                } else {
                    /* the 2w-bit dividend and w-bit divisor as signed numbers */
                    __int128 dd = ((unsigned __int128)hi << w) | lo;
                    if (w < 64) {
                        int sh = 128 - 2 * w;
                        dd = (__int128)((unsigned __int128)dd << sh) >> sh;
                    }
                    __int128 ds = (__int128)(int64_t)(dv << (64 - w)) >> (64 - w);
                    __int128 q = dd / ds;
                    __int128 lim = (__int128)1 << (w - 1);
                    ok = q >= -lim && q < lim;
                }
                if (ok && (h < 2 || (l + d) % 3 == 0))
                    divs[sgn][widx(w)][n++] = (DivIn){hi, lo, dv};
            }
    ndivs[sgn][widx(w)] = n;
}

/* Fill the input state for combination idx of the snippet's kind; 0 when past the end. */
static int gen(const Snip *sn, int idx, St *s, unsigned *vary)
{
    defaults(s);
    *vary = 0;
    switch (sn->kind) {
    case K_ONE:
        return idx == 0;
    case K_BIN:
        if (idx >= NV * NV)
            return 0;
        s->r[0] = V[idx / NV];
        s->r[1] = V[idx % NV];
        s->fl = ((idx / NV + idx % NV) & 1) ? FL_SET : FL_CLEAR;
        *vary = 1 | 2 | V_FL;
        return 1;
    case K_BINC:
        if (idx >= 2 * NV * NV)
            return 0;
        s->r[0] = V[idx / 2 / NV];
        s->r[1] = V[idx / 2 % NV];
        s->fl = (idx & 1) ? FL_CLEAR | F_C : FL_CLEAR;
        *vary = 1 | 2 | V_FL;
        return 1;
    case K_UN:
        if (idx >= 2 * NV)
            return 0;
        s->r[0] = V[idx / 2];
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = 1 | V_FL;
        return 1;
    case K_UNB:
        if (idx >= 2 * NV)
            return 0;
        s->r[1] = V[idx / 2];
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = 2 | V_FL;
        return 1;
    case K_NZ:
        if (idx >= 2 * (NV - 1))
            return 0;
        s->r[0] = V[1 + idx / 2];
        if (sn->width < 64 && (s->r[0] & ((1ULL << sn->width) - 1)) == 0)
            s->r[0] |= 1ULL << (sn->width - 1);   /* non-zero in the operand's width too */
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = 1 | V_FL;
        return 1;
    case K_SH:
        if (idx >= 4 * 16 * 2)
            return 0;
        s->r[0] = SV[idx / 32];
        s->r[2] = (s->r[2] & ~0xffULL) | CNT[idx / 2 % 16];
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        put64(s->m, s->r[0] ^ 0x5555);
        *vary = 1 | 4 | V_FL;
        return 1;
    case K_SHX:
    case K_SHX16: {
        int nc = sn->kind == K_SHX ? 16 : 8;
        if (idx >= 2 * 2 * nc * 2)
            return 0;
        s->r[0] = SV[idx / (2 * nc * 2)];
        s->r[1] = SV[2 + idx / (nc * 2) % 2];
        s->r[2] = (s->r[2] & ~0xffULL) | (sn->kind == K_SHX ? CNT : CNT16)[idx / 2 % nc];
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = 1 | 2 | 4 | V_FL;
        return 1;
    }
    case K_DIVU:
    case K_DIVS: {
        int sg = sn->kind == K_DIVS, w = sn->width;
        if (ndivs[sg][widx(w)] < 0)
            make_divs(sg, w);
        if (idx >= ndivs[sg][widx(w)])
            return 0;
        DivIn d = divs[sg][widx(w)][idx];
        if (w == 8) {
            s->r[0] = (s->r[0] & ~0xffffULL) | (d.hi << 8) | d.lo;
            s->r[1] = (s->r[1] & ~0xffULL) | d.d;
        } else if (w == 64) {
            s->r[3] = d.hi;
            s->r[0] = d.lo;
            s->r[1] = d.d;
        } else {
            uint64_t mask = (1ULL << w) - 1;
            s->r[3] = (s->r[3] & ~mask) | d.hi;
            s->r[0] = (s->r[0] & ~mask) | d.lo;
            s->r[1] = (s->r[1] & ~mask) | d.d;
        }
        *vary = 1 | 2 | 8;
        return 1;
    }
    case K_CC:
        if (idx >= 32)
            return 0;
        s->r[0] = 0x1111111111111111;
        s->r[1] = 0x2222222222222222;
        s->fl = FL_CLEAR | ((idx & 1) ? F_C : 0) | ((idx & 2) ? F_P : 0) | ((idx & 4) ? F_Z : 0)
                | ((idx & 8) ? F_S : 0) | ((idx & 16) ? F_O : 0);
        put64(s->m, 0x3333333333333333);
        *vary = V_FL;
        return 1;
    case K_STR: {
        static const unsigned counts[] = {0, 1, 5, 9, 10, 16, 31};
        if (idx >= 7)
            return 0;
        for (int j = 0; j < 32; j++) {
            s->m[j] = (uint8_t)('A' + j);
            s->m[64 + j] = (uint8_t)('A' + j);
        }
        s->m[64 + 9] = '#';
        for (int j = 32; j < 64; j++)
            s->m[j] = 0;
        s->r[0] = (s->r[0] & ~0xffULL) | (uint8_t)('A' + 12);
        s->r[2] = counts[idx];
        *vary = 4;
        return 1;
    }
    case K_BTM:
        if (idx >= (int)(sizeof BTOFF / sizeof BTOFF[0]))
            return 0;
        s->r[1] = (uint64_t)BTOFF[idx];
        *vary = 2;
        return 1;
    case K_CXM:
        if (idx >= 2)
            return 0;
        put64(s->m, 0x0123456789abcdef);
        s->r[0] = idx ? 0x0123456789abcdef : 0x0123456789abcdee;
        *vary = 1;
        return 1;
    case K_CX16:
        if (idx >= 4)
            return 0;
        put64(s->m, 0x1111111111111111);
        put64(s->m + 8, 0x2222222222222222);
        s->r[0] = (idx & 1) ? 0x1111111111111111 : 0x1111111111111110;
        s->r[3] = (idx & 2) ? 0x2222222222222222 : 0x2222222222222220;
        s->r[1] = 0x3333333333333333;
        s->r[2] = 0x4444444444444444;
        *vary = 1 | 8;
        return 1;
    case K_X:
        if (idx >= 16)
            return 0;
        memcpy(s->x[0], XV[idx / 4], 16);
        memcpy(s->x[1], XV[idx % 4], 16);
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = V_X0 | V_X1 | V_FL;
        return 1;
    case K_X1:
        if (idx >= 4)
            return 0;
        memcpy(s->x[0], XV[idx], 16);
        *vary = V_X0;
        return 1;
    case K_XSH:
        if (idx >= 2 * 11)
            return 0;
        memcpy(s->x[0], XV[idx / 11], 16);
        put64(s->x[1], XSHCNT[idx % 11]);
        *vary = V_X0 | V_X1;
        return 1;
    case K_FD:
        if (idx >= NFD * NFD)
            return 0;
        put64(s->x[0], FD_VALS[idx / NFD]);
        put64(s->x[1], FD_VALS[idx % NFD]);
        put64(s->x[0] + 8, FD_VALS[(idx / NFD + 3) % NFD]);
        put64(s->x[1] + 8, FD_VALS[(idx % NFD + 5) % NFD]);
        put64(s->m, FD_VALS[(idx + 7) % NFD]);
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = V_X0 | V_X1 | V_FL | V_M16;
        return 1;
    case K_FS:
        if (idx >= NFS * NFS)
            return 0;
        for (int k = 0; k < 4; k++) {
            put32(s->x[0] + 4 * k, FS_VALS[(idx / NFS + 3 * k) % NFS]);
            put32(s->x[1] + 4 * k, FS_VALS[(idx % NFS + 5 * k) % NFS]);
        }
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = V_X0 | V_X1 | V_FL;
        return 1;
    case K_CVT:
        if (idx >= NCV * 4)
            return 0;
        put64(s->x[0], CV_VALS[idx / 4]);
        put64(s->x[0] + 8, CV_VALS[(idx / 4 + 1) % NCV]);
        put64(s->m, CV_VALS[(idx / 4 + 5) % NCV]);
        put64(s->m + 8, CV_VALS[(idx / 4 + 11) % NCV]);
        s->mxcsr = 0x1f80 | (uint32_t)(idx % 4) << 13;
        *vary = V_X0 | V_RC | V_M16;
        return 1;
    case K_CVTF:
        if (idx >= NCVF * 4)
            return 0;
        for (int k = 0; k < 4; k++)
            put32(s->x[0] + 4 * k, CVF_VALS[(idx / 4 + k) % NCVF]);
        s->mxcsr = 0x1f80 | (uint32_t)(idx % 4) << 13;
        *vary = V_X0 | V_RC;
        return 1;
    case K_CVTI:
        if (idx >= NCI * 4)
            return 0;
        s->r[0] = CI_VALS[idx / 4];
        s->mxcsr = 0x1f80 | (uint32_t)(idx % 4) << 13;
        *vary = 1 | V_RC;
        return 1;
    case K_PSTR:
        if (idx >= 36)
            return 0;
        memcpy(s->x[0], PSTR[idx / 6], 16);
        memcpy(s->x[1], PSTR[idx % 6], 16);
        s->r[0] = (uint64_t)PSTR_LEN[idx / 6];
        s->r[3] = (uint64_t)PSTR_LEN[idx % 6];
        *vary = V_X0 | V_X1 | 1 | 8;
        return 1;
    case K_X87:
        if (idx >= NX87 * NX87)
            return 0;
        put64(s->m, X87_VALS[idx / NX87]);
        put64(s->m + 8, X87_VALS[idx % NX87]);
        s->fl = (idx & 1) ? FL_SET : FL_CLEAR;
        *vary = V_M16 | V_FL;
        return 1;
    case K_X87RC:
        if (idx >= NCV * 4)
            return 0;
        put64(s->m, CV_VALS[idx / 4]);
        put64(s->m + 8, CV_VALS[(idx / 4 + 3) % NCV]);
        s->m[34] = 0x7f;
        s->m[35] = (uint8_t)(0x02 | (idx % 4) << 2);   /* 53-bit precision, rounding idx%4 */
        *vary = V_M16 | V_X87RC;
        return 1;
    }
    return 0;
}

/* ======================================================================= output */

static char out[1 << 17];
static char *op = out;   /* the next free byte of out */

static void flush_out(void)
{
    fwrite(out, 1, (size_t)(op - out), stdout);
    fflush(stdout);
    op = out;
}

/* Every line is shorter than this: called at the start of each. */
static void room(void)
{
    if (op - out > (long)sizeof out - 4096)
        flush_out();
}

static void puts_(const char *s)
{
    while (*s)
        *op++ = *s++;
}

static const char HEXD[] = "0123456789abcdef";

static void hex(uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        op[i] = HEXD[v & 15];
        v >>= 4;
    }
    op += digits;
}

static void hexbytes_be(const uint8_t *p, int n)   /* most significant (last) byte first */
{
    for (int i = 0; i < n; i++) {
        *op++ = HEXD[p[n - 1 - i] >> 4];
        *op++ = HEXD[p[n - 1 - i] & 15];
    }
}

static void dec(long v)
{
    char b[24];
    int i = 23;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        b[--i] = '-';
    puts_(b + i);
}

static const char *RN[10] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"};

static unsigned shmask(int rule, int w, unsigned c)
{
    if (c == 0)
        return F_ALL;   /* no flag changes */
    unsigned m = F_ALL;
    switch (rule) {
    case FR_SH:
        m &= ~F_A;
        if (c != 1)
            m &= ~F_O;
        if (c >= (unsigned)w)
            m &= ~F_C;
        return m;
    case FR_ROT:
        return c == 1 ? m : m & ~F_O;
    case FR_SHXD:
        m &= ~F_A;
        return c == 1 ? m : m & ~F_O;
    }
    return m;
}

static unsigned flagmask(const Snip *sn, const St *in)
{
    unsigned c = (unsigned)(in->r[2] & (sn->width == 64 ? 63 : 31));
    switch (sn->frule) {
    case FR_ALL: return F_ALL;
    case FR_LOGIC: return F_ALL & ~F_A;
    case FR_MUL: return F_C | F_O;
    case FR_NONE: return 0;
    case FR_BT: return F_C;
    case FR_BS: return F_Z;
    case FR_CNT: return F_C | F_Z;
    case FR_ZPC: return F_Z | F_P | F_C;
    case FR_SH: return shmask(FR_SH, sn->width, c);
    case FR_SH1: return shmask(FR_SH, sn->width, 1);
    case FR_SHN: return shmask(FR_SH, sn->width, 2);
    case FR_ROT: return shmask(FR_ROT, sn->width, c);
    case FR_ROT1: return shmask(FR_ROT, sn->width, 1);
    case FR_ROTN: return shmask(FR_ROT, sn->width, 2);
    case FR_SHXD: return shmask(FR_SHXD, sn->width, c);
    case FR_SHXD1: return shmask(FR_SHXD, sn->width, 1);
    case FR_SHXDN: return shmask(FR_SHXD, sn->width, 2);
    }
    return 0;
}

static void put_flags(uint64_t fl, unsigned mask)
{
    static const struct { unsigned bit; char c; } F[6] = {
        {F_C, 'C'}, {F_P, 'P'}, {F_A, 'A'}, {F_Z, 'Z'}, {F_S, 'S'}, {F_O, 'O'}};
    char b[8];
    for (int i = 0; i < 6; i++)
        b[i] = !(mask & F[i].bit) ? '.' : (fl & F[i].bit) ? F[i].c : (char)(F[i].c + 32);
    b[6] = 0;
    puts_(b);
}

static void put_inputs(const Snip *sn, int idx, const St *in, unsigned vary)
{
    room();
    puts_(sn->name);
    puts_("#");
    dec(idx);
    puts_(" in:");
    for (int i = 0; i < 10; i++)
        if (vary & (1u << i)) {
            puts_(" ");
            puts_(RN[i]);
            puts_("=");
            hex(in->r[i], 16);
        }
    if (vary & V_FL) {
        puts_(" fl=");
        hex(in->fl, 3);
    }
    if (vary & V_X0) {
        puts_(" xmm0=");
        hexbytes_be(in->x[0], 16);
    }
    if (vary & V_X1) {
        puts_(" xmm1=");
        hexbytes_be(in->x[1], 16);
    }
    if (vary & V_M16) {
        uint64_t a, b;
        memcpy(&a, in->m, 8);
        memcpy(&b, in->m + 8, 8);
        puts_(" m0=");
        hex(a, 16);
        puts_(" m8=");
        hex(b, 16);
    }
    if (vary & V_RC) {
        puts_(" rc=");
        dec((in->mxcsr >> 13) & 3);
    }
    if (vary & V_X87RC) {
        puts_(" x87rc=");
        dec((in->m[35] >> 2) & 3);
    }
}

static void put_value(const St *cur, uint64_t v)
{
    uintptr_t base = (uintptr_t)cur->m;
    if (v >= base - 64 && v <= base + 192) {
        puts_("m");
        if (v >= base)
            puts_("+");
        dec((long)(v - base));
    } else {
        hex(v, 16);
    }
}

static void put_outputs(const Snip *sn, const St *in, const St *cur)
{
    puts_(" | out:");
    for (int i = 0; i < 10; i++)
        if (cur->r[i] != in->r[i]) {
            puts_(" ");
            puts_(RN[i]);
            puts_("=");
            put_value(cur, cur->r[i]);
        }
    static const char *XN[8] = {" xmm0=", " xmm1=", " xmm2=", " xmm3=", " xmm4=", " xmm5=",
                                " xmm6=", " xmm7="};
    for (int i = 0; i < 8; i++) {
        const uint64_t *a = (const uint64_t *)cur->x[i], *b = (const uint64_t *)in->x[i];
        if (a[0] != b[0] || a[1] != b[1]) {
            puts_(XN[i]);
            hexbytes_be(cur->x[i], 16);
        }
    }
    int lo = -1, hi = -1;
    const uint64_t *cm = (const uint64_t *)cur->m, *im = (const uint64_t *)in->m;
    for (int w = 0; w < 16; w++)
        if (cm[w] != im[w])
            for (int j = 8 * w; j < 8 * w + 8; j++)
                if (cur->m[j] != in->m[j]) {
                    if (lo < 0)
                        lo = j;
                    hi = j;
                }
    if (lo >= 0) {
        puts_(" m[");
        dec(lo);
        puts_("..");
        dec(hi);
        puts_("]=");
        for (int j = lo; j <= hi; j++)   /* in memory order */
            hex(cur->m[j], 2);
    }
    if ((cur->mxcsr & 0xffc0) != (in->mxcsr & 0xffc0)) {
        puts_(" mxcsr=");
        hex(cur->mxcsr & 0xffc0, 4);
    }
    unsigned mask = flagmask(sn, in);
    if (mask) {
        puts_(" fl=");
        put_flags(cur->fl, mask);
    }
    /* TF, DF and AC must not change (snippet pushfq_bits looks at the other bits) */
    if ((cur->fl ^ in->fl) & 0x40500) {
        puts_(" rflags-tf-df-ac=");
        hex(cur->fl & 0x40500, 5);
    }
    puts_("\n");
}

/* ======================================================================= faults */

static sigjmp_buf jb;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr, fault_rip;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    fault_sig = sig;
    fault_code = si->si_code;
    fault_addr = (uintptr_t)si->si_addr;
    fault_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(jb, 1);
}

static void put_where(const char *what, uintptr_t a, const char *label)
{
    puts_(" ");
    puts_(what);
    puts_("=");
    if (label && a >= (uintptr_t)label - 16 && a <= (uintptr_t)label + 16) {
        puts_("label");
        if (a != (uintptr_t)label) {
            puts_(a > (uintptr_t)label ? "+" : "-");
            dec(a > (uintptr_t)label ? (long)(a - (uintptr_t)label) : (long)((uintptr_t)label - a));
        }
    } else if (a >= (uintptr_t)ro_data && a < (uintptr_t)ro_data + sizeof ro_data) {
        puts_("ro_data+");
        dec((long)(a - (uintptr_t)ro_data));
    } else if (a < 4096) {
        hex(a, 4);
    } else {
        puts_("elsewhere");
    }
}

static void put_fault(const Snip *sn)
{
    const char *label = NULL;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i].name, sn->name))
            label = labels[i].label;
    room();
    const char *name = fault_sig == SIGFPE ? "SIGFPE" : fault_sig == SIGILL ? "SIGILL"
                       : fault_sig == SIGSEGV ? "SIGSEGV" : fault_sig == SIGBUS ? "SIGBUS"
                       : fault_sig == SIGTRAP ? "SIGTRAP" : "signal?";
    puts_(" | ");
    puts_(name);
    puts_(" code=");
    dec(fault_code);
    put_where("addr", fault_addr, label);
    put_where("rip", fault_rip, label);
    puts_("\n");
}

/* ======================================================================= main */

static int by_line(const void *a, const void *b)
{
    const Snip *x = *(Snip *const *)a, *y = *(Snip *const *)b;
    if (x->line != y->line)
        return x->line - y->line;
    return strcmp(x->name, y->name);
}

static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, word, n))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    qsort(snips, (size_t)nsnips, sizeof snips[0], by_line);
    init_template();
    if (argc > 1 && !strcmp(argv[1], "--list")) {
        for (int i = 0; i < nsnips; i++)
            printf("%s %s %s\n", snips[i]->name, snips[i]->group, *snips[i]->feat ? snips[i]->feat : "-");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s --list | GROUPS [FEATURES [SKIP]]\n", argv[0]);
        return 2;
    }
    const char *groups = argv[1], *feats = argc > 2 ? argv[2] : "", *skip = argc > 3 ? argv[3] : "";
    static char altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP};
    for (int i = 0; i < 5; i++)
        sigaction(sigs[i], &sa, NULL);

    static St in, cur;
    int ran = 0;
    for (int i = 0; i < nsnips; i++) {
        const Snip *sn = snips[i];
        if (strcmp(groups, "all") && !in_list(groups, sn->group))
            continue;
        if ((*sn->feat && !in_list(feats, sn->feat)) || in_list(skip, sn->name))
            continue;
        ran++;
        unsigned vary;
        for (int idx = 0; gen(sn, idx, &in, &vary); idx++) {
            cur = in;
            put_inputs(sn, idx, &in, vary);
            if (sigsetjmp(jb, 0) == 0) {
                sn->fn(&cur);
                put_outputs(sn, &in, &cur);
            } else {
                __asm__ volatile("fninit");
                unsigned def = 0x1f80;
                __asm__ volatile("ldmxcsr %0" : : "m"(def));
                put_fault(sn);
            }
        }
        flush_out();
    }
    room();
    puts_("ALL DONE ");
    dec(ran);
    puts_(" snippets\n");
    flush_out();
    return 0;
}
