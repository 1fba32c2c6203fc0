/* pygrind's first tier: libVEX's own code generator (the one Valgrind uses), driven
 * for blocks that no tool instruments.
 *
 * Python's first tier costs about 0.5 ms a block to make (pyvex's Python objects, then
 * Python source compiled by CPython); libVEX lifts, optimises and emits machine code for
 * a block in tens of microseconds, in C. pyvex's shared library carries the whole of
 * libVEX, code generator included, so this file only has to
 *   - drive LibVEX_Translate (pgv_translate),
 *   - rewrite every memory access of the block so that it goes through pygrind's page
 *     table and address-space base, as the other backends do (pgv_instrument): client
 *     code can still never touch pygrind's own memory, and a bad access becomes a client
 *     fault found by a callback into Python, never a host crash;
 *   - turn divisions that trap on x86 into client SIGFPEs before the host's div traps;
 *   - give the generated code the entry and exit paths it expects (the assembly at the
 *     end): it is entered with %rbp pointing at the guest state and leaves through one of
 *     four "dispatcher" addresses, which chain blocks to each other (see chaining) or
 *     return to pygrind's native dispatcher;
 *   - keep each block's code relocatable, so that the code cache can keep it.
 *
 * Each translation is preceded by a small entry stub with the C signature of the LLVM
 * tier's blocks, `uint64_t block(void *state, void *ctx)`, so the dispatcher runs either
 * tier's code alike. The stub (and the counting entry that chained jumps use) counts
 * the block's runs and reports it hot to Python (which then has LLVM compile it) when
 * the count runs out.
 */

#define _GNU_SOURCE
#include <link.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvex_trc_values.h"
#include "pgv.h"

/* from libpyvex (pyvex's C side): initialises libVEX once, whoever asks first */
extern int vex_init(void);
/* libVEX's failure exit; pyvex's longjmps to pyvex's own buffer, so ours is set
 * around each translation made here */
extern void (*vex_failure_exit)(void);
extern void amd64g_dirtyhelper_CPUID_sse42_and_cx16(VexGuestAMD64State *);
extern UInt vex_printf(const HChar *format, ...);

/* ---- configuration from Python (pgv_init) ------------------------------------------ */


/* offsets in the JIT's context (backend/llvm/engine.py, Ctx) */
#define CTX_TABLE 56
#define CTX_BUDGET 64
#define CTX_VEX_COUNTER 80

typedef struct {
    uint64_t size;    /* guest bytes translated */
    uint64_t n_insns;
    uint64_t status;  /* 0 ok; otherwise why the block was left to the Python tier */
    uint64_t portable; /* the image below can be kept and installed in a later run */
    uint64_t image, code_len, relocs, n_relocs; /* the code's portable image */
} pgv_result;

pgv_config pgv_cfg;
#define cfg pgv_cfg
pgv_pass_fn pgv_tool_pass;
pgv_redirect_fn pgv_tool_redirect;
static jmp_buf fail_jb;

/* 64 bytes the rewritten accesses use when the fast path does not apply: a slow load
 * lands here, a slow store is made here first, a CAS's operands pass through here */
static uint8_t scratch[64] __attribute__((aligned(64)));

/* Generated code finds pygrind's addresses (client memory, page table, the JIT's
 * context, the scratch area) in four words right after the guest state (where libVEX
 * would keep a tool's shadow state, unused here), which pgv_run fills on each entry:
 * the code then holds no address that changes from run to run, except calls into the
 * two libraries, which pgv_install relocates. So it can be kept on disk. */
_Static_assert(sizeof(VexGuestAMD64State) == 2704, "pgv_run's offsets");
_Static_assert(PGV_CONSTS == 3 * 2704 + LibVEX_N_SPILL_BYTES, "pgv_run's offsets");
_Static_assert(offsetof(VexGuestAMD64State, guest_RIP) == 184, "pgv_run's offsets");
__attribute__((visibility("hidden"))) uint64_t pgv_consts[PGV_N_CONSTS];
/* the dispatch table (pgv_xindir looks computed jumps up in it) */
__attribute__((visibility("hidden"))) uint64_t pgv_table;
#define TABLE_BITS 18 /* pgv_xindir's hashing: backend/llvm/engine.py's */

static void fail(void)
{
    longjmp(fail_jb, PGV_FAILED);
}

static IRStmt *cur_stmt; /* the statement being rewritten, for the log */

void pgv_reject(int why)
{
    if (cur_stmt != NULL) {
        vex_printf("pygrind vexcg: declined: ");
        ppIRStmt(cur_stmt);
        vex_printf("\n");
    }
    longjmp(fail_jb, why);
}

/* ---- the instrumentation pass ------------------------------------------------------ */

IRSB *pgv_sb;  /* the block being built */
#define out pgv_sb
#define reject pgv_reject
static IRSB *in_sb; /* the block as lifted */
/* the block's temporaries holding pgv_consts */
static IRTemp k_base, k_pt, k_ctx, k_scratch;

/* The expression that defines temporary t in the input block (NULL if none). */
static IRExpr *def_of(IRTemp t)
{
    for (int i = 0; i < in_sb->stmts_used; i++) {
        IRStmt *st = in_sb->stmts[i];
        if (st && st->tag == Ist_WrTmp && st->Ist.WrTmp.tmp == t)
            return st->Ist.WrTmp.data;
    }
    return NULL;
}
uint64_t pgv_cur_pc;
#define cur_pc pgv_cur_pc

/* temporaries holding host addresses (pgv_mark_host): one byte each */
static uint8_t *host_tmps;
static int n_host_tmps;

void pgv_mark_host(IRTemp t)
{
    if ((int)t >= n_host_tmps) {
        int n = n_host_tmps ? 2 * n_host_tmps : 1024;
        while (n <= (int)t)
            n *= 2;
        uint8_t *g = realloc(host_tmps, (size_t)n);
        if (g == NULL)
            reject(PGV_FAILED);
        memset(g + n_host_tmps, 0, (size_t)(n - n_host_tmps));
        host_tmps = g;
        n_host_tmps = n;
    }
    host_tmps[t] = 1;
}

static int is_host_addr(IRExpr *a)
{
    return a->tag == Iex_RdTmp && (int)a->Iex.RdTmp.tmp < n_host_tmps &&
           host_tmps[a->Iex.RdTmp.tmp];
}

/* A 64-bit guest address as an atom (addresses are I64 on amd64). */
static IRExpr *addr_atom(IRExpr *a)
{
    if (typeOfIRExpr(out->tyenv, a) != Ity_I64)
        reject(PGV_UNSUPPORTED);
    return a;
}

/* I1: may an access of n bytes at guest address a take the fast path? As in the LLVM
 * tier: below the limit, and the page's bit (or, if the access crosses into the next
 * page, the page's pair bit: this page and the next) allows it. */
/* I64, 0 iff an access of n bytes at guest address a may take the fast path: as in the
 * LLVM tier, the address is below the limit and the page's bit (or, if the access
 * crosses into the next page, the page's pair bit: this page and the next) allows it.
 * Kept as an integer, and compared afresh by each use, because libVEX's instruction
 * selector turns a 1-bit value used once into a flag test, but materialises one used
 * twice with setcc and tests it again. */
static IRTemp fast_okv(IRExpr *a, int n, int write)
{
    uint64_t bit = write ? cfg.p_w : cfg.p_r;
    uint64_t pair = write ? cfg.p_w2 : cfg.p_r2;
    /* (the index is masked so that the page table is read in bounds whatever a is) */
    IRTemp m = let64(Iop_And64, a, c64(((uint64_t)1 << cfg.space_bits) - 1));
    IRTemp pg = let64(Iop_Shr64, rd(m), c8(12));
    IRTemp pa = let64(Iop_Add64, rd(pg), rd(k_pt));
    IRTemp pte8 = let(Ity_I8, IRExpr_Load(Iend_LE, Ity_I8, rd(pa)));
    IRTemp pte = let(Ity_I64, IRExpr_Unop(Iop_8Uto64, rd(pte8)));
    IRExpr *want = c64(bit);
    if (n > 1) {
        IRTemp off = let64(Iop_And64, a, c64(4095));
        IRTemp cross = let(Ity_I1, bin(Iop_CmpLT64U, c64(4096 - n), rd(off)));
        want = rd(let(Ity_I64, IRExpr_ITE(rd(cross), c64(pair), want)));
    }
    IRTemp has = let64(Iop_And64, rd(pte), want);
    IRTemp missing = let64(Iop_Xor64, rd(has), want);
    IRTemp hi = let64(Iop_Shr64, a, c8(cfg.space_bits));
    return let64(Iop_Or64, rd(missing), rd(hi));
}

static IRTemp is_zero(IRTemp v) { return let(Ity_I1, bin(Iop_CmpEQ64, rd(v), c64(0))); }
static IRTemp not_zero(IRTemp v) { return let(Ity_I1, bin(Iop_CmpNE64, rd(v), c64(0))); }

static IRTemp scratch_at(uint64_t off)
{
    return let64(Iop_Add64, rd(k_scratch), c64(off));
}


/* The slow paths, called from generated code with the guest address and a word that
 * packs the guest pc, the access size and what to do; each returns the host address
 * the access is to use (the scratch area), or 0 when Python recorded a client fault.
 * Python's callbacks are called from here, so that generated code calls only into
 * libVEX and this library (see PGV_CONSTS). */
typedef int64_t (*cb_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
enum { SLOW_LOAD, SLOW_STORE_CHECK, SLOW_STORE, SLOW_CAS, SLOW_CAS_DOUBLE };
#define SLOW_INFO(kind, n) (cur_pc | ((uint64_t)(n) << 48) | ((uint64_t)(kind) << 56))

static int writable(uint64_t a, uint64_t n)
{
    const uint8_t *pt = (const uint8_t *)(uintptr_t)cfg.page_table;
    if (a + n > ((uint64_t)1 << cfg.space_bits) || a + n < a)
        return 0;
    for (uint64_t p = a >> 12; p <= (a + n - 1) >> 12; p++) {
        if (!(pt[p] & cfg.p_wreal))
            return 0;
    }
    return 1;
}

static uint64_t mem_slow(uint64_t a, uint64_t info)
{
    uint64_t pc = info & (((uint64_t)1 << 48) - 1), n = (info >> 48) & 0xff;
    uint64_t sc = (uint64_t)(uintptr_t)scratch;
    cb_t py = (cb_t)(uintptr_t)cfg.mem_slow;
    switch (info >> 56) {
    case SLOW_LOAD:
        return py(cfg.ctx, a, n, pc, sc, 0) == 0 ? sc : 0;
    case SLOW_STORE_CHECK:
        /* (not writable: Python then finds the bad address and records the fault) */
        return writable(a, n) || py(cfg.ctx, a, n, pc, sc, 1) == 0 ? sc : 0;
    case SLOW_STORE:
        return py(cfg.ctx, a, n, pc, sc, 1) == 0 ? sc : 0;
    default:
        return ((cb_t)(uintptr_t)cfg.cas_slow)(cfg.ctx, a, n, pc,
                                                (info >> 56) == SLOW_CAS_DOUBLE, sc) == 0 ? sc : 0;
    }
}
static int64_t hostaddr(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    return ((cb_t)(uintptr_t)cfg.hostaddr)(a, b, c, d, e, 0);
}
static uint64_t div_fault(uint64_t pc)
{
    return (uint64_t)((cb_t)(uintptr_t)cfg.div_fault)(cfg.ctx, pc, 0, 0, 0, 0);
}

/* A call made only when `guard` holds (declared as modifying memory, so that libVEX
 * moves no load across it); returns the temporary that gets its result, undefined
 * when the call is not made. */
static IRTemp guarded_call(IRTemp guard, const char *name, void *fn, IRExpr **args)
{
    IRTemp r = newIRTemp(out->tyenv, Ity_I64);
    IRDirty *d = unsafeIRDirty_1_N(r, 0, name, fn, args);
    d->guard = rd(guard);
    d->mFx = Ifx_Modify;
    d->mAddr = rd(k_scratch);
    d->mSize = sizeof scratch;
    add(IRStmt_Dirty(d));
    return r;
}

static void fault_exit(IRTemp guard)
{
    add(IRStmt_Exit(rd(guard), Ijk_SigSEGV, IRConst_U64(cur_pc),
                    offsetof(VexGuestAMD64State, guest_RIP)));
}

/* The host address of an access: base + a on the fast path; else the slow path's
 * answer, and a fault exit if that is 0. */
static IRTemp checked_addr(IRExpr *a, int n, int write, int kind)
{
    IRTemp okv = fast_okv(a, n, write);
    IRTemp slow = guarded_call(not_zero(okv), "pg_mem_slow", (void *)mem_slow,
                               mkIRExprVec_2(a, c64(SLOW_INFO(kind, n))));
    IRTemp h = let64(Iop_Add64, a, rd(k_base));
    IRTemp ha = let(Ity_I64, IRExpr_ITE(rd(is_zero(okv)), rd(h), rd(slow)));
    fault_exit(is_zero(ha));
    return ha;
}

static void load(IRTemp dst, IRExpr *e)
{
    IRType ty = e->Iex.Load.ty;
    int n = sizeofIRType(ty);
    if (n > 16 || e->Iex.Load.end != Iend_LE)
        reject(PGV_UNSUPPORTED);
    IRTemp ha = checked_addr(addr_atom(e->Iex.Load.addr), n, 0, SLOW_LOAD);
    add(IRStmt_WrTmp(dst, IRExpr_Load(Iend_LE, ty, rd(ha))));
}

/* A slow store is checked first, made in the scratch area, then copied to the client's
 * memory by Python (which also drops translations of code it overwrites). */
static void store(IRStmt *st)
{
    IRExpr *data = st->Ist.Store.data;
    int n = sizeofIRType(typeOfIRExpr(out->tyenv, data));
    if (n > 16 || st->Ist.Store.end != Iend_LE)
        reject(PGV_UNSUPPORTED);
    IRExpr *a = addr_atom(st->Ist.Store.addr);
    IRTemp ha = checked_addr(a, n, 1, SLOW_STORE_CHECK);
    add(IRStmt_Store(Iend_LE, rd(ha), data));
    IRTemp back = let(Ity_I1, bin(Iop_CmpEQ64, rd(ha), rd(k_scratch)));
    guarded_call(back, "pg_mem_slow", (void *)mem_slow,
                 mkIRExprVec_2(a, c64(SLOW_INFO(SLOW_STORE, n))));
}

/* Compare-and-swap: on the slow path Python does the whole CAS on client memory and
 * leaves the old value in the scratch area, where the CAS instruction itself then runs
 * (and so yields that old value). The operands go through the scratch area because a
 * call takes at most six arguments. */
static void cas(IRStmt *st)
{
    IRCAS *c = st->Ist.CAS.details;
    int dbl = c->oldHi != IRTemp_INVALID;
    IRType ty = typeOfIRExpr(out->tyenv, c->expdLo);
    int n = sizeofIRType(ty) * (dbl ? 2 : 1);
    if (c->end != Iend_LE || sizeofIRType(ty) > 8)
        reject(PGV_UNSUPPORTED);
    IRExpr *a = addr_atom(c->addr);
    add(IRStmt_Store(Iend_LE, rd(scratch_at(32)), c->expdLo));
    add(IRStmt_Store(Iend_LE, rd(scratch_at(48)), c->dataLo));
    if (dbl) {
        add(IRStmt_Store(Iend_LE, rd(scratch_at(40)), c->expdHi));
        add(IRStmt_Store(Iend_LE, rd(scratch_at(56)), c->dataHi));
    }
    IRTemp ha = checked_addr(a, n, 1, dbl ? SLOW_CAS_DOUBLE : SLOW_CAS);
    add(IRStmt_CAS(mkIRCAS(c->oldHi, c->oldLo, Iend_LE, rd(ha), c->expdHi, c->expdLo,
                           c->dataHi, c->dataLo)));
}

static int same_atom(IRExpr *x, IRExpr *y)
{
    if (x->tag != y->tag)
        return 0;
    if (x->tag == Iex_RdTmp)
        return x->Iex.RdTmp.tmp == y->Iex.RdTmp.tmp;
    if (x->tag == Iex_Const && x->Iex.Const.con->tag == Ico_U64 &&
        y->Iex.Const.con->tag == Ico_U64)
        return x->Iex.Const.con->Ico.U64 == y->Iex.Const.con->Ico.U64;
    return 0;
}

/* Dirty helpers that access memory (FXSAVE, XSAVE, x87 80-bit loads and stores) take
 * the guest address as an argument: they get the host address instead, checked by
 * Python for the helper's whole extent. */
static void dirty(IRStmt *st)
{
    IRDirty *d = st->Ist.Dirty.details;
    if (strncmp(d->cee->name, "amd64g_dirtyhelper_CPUID", 24) == 0) {
        /* the CPU pygrind advertises (see core/vexlib.py) */
        d->cee = mkIRCallee(0, "amd64g_dirtyhelper_CPUID_sse42_and_cx16",
                            (void *)amd64g_dirtyhelper_CPUID_sse42_and_cx16);
    }
    if (d->mFx != Ifx_None) {
        if (d->mAddr == NULL)
            reject(PGV_UNSUPPORTED);
        /* the argument that is the address: mAddr itself, or (XSAVE's components) the
         * base that mAddr is an offset from */
        int found = -1;
        uint64_t offset = 0;
        for (int i = 0; d->args[i] && found < 0; i++) {
            if (same_atom(d->args[i], d->mAddr))
                found = i;
        }
        IRExpr *def = d->mAddr->tag == Iex_RdTmp ? def_of(d->mAddr->Iex.RdTmp.tmp) : NULL;
        if (found < 0 && def != NULL && def->tag == Iex_Binop && def->Iex.Binop.op == Iop_Add64 &&
            def->Iex.Binop.arg2->tag == Iex_Const) {
            for (int i = 0; d->args[i] && found < 0; i++) {
                if (same_atom(d->args[i], def->Iex.Binop.arg1)) {
                    found = i;
                    offset = def->Iex.Binop.arg2->Iex.Const.con->Ico.U64;
                }
            }
        }
        if (found < 0)
            reject(PGV_UNSUPPORTED);
        IRExpr *a = addr_atom(d->mAddr);
        int write = d->mFx != Ifx_Read;
        IRTemp h = newIRTemp(out->tyenv, Ity_I64);
        IRDirty *hd = unsafeIRDirty_1_N(
            h, 0, "pg_hostaddr", (void *)hostaddr,
            mkIRExprVec_5(rd(k_ctx), a, c64(d->mSize), c64(write), c64(cur_pc)));
        hd->guard = d->guard;
        add(IRStmt_Dirty(hd));
        IRTemp hv = let(Ity_I64, IRExpr_ITE(d->guard, rd(h), c64(1)));
        IRTemp bad = let(Ity_I1, bin(Iop_CmpEQ64, rd(hv), c64(0)));
        add(IRStmt_Exit(rd(bad), Ijk_SigSEGV, IRConst_U64(cur_pc),
                        offsetof(VexGuestAMD64State, guest_RIP)));
        IRTemp base = offset ? let64(Iop_Sub64, rd(h), c64(offset)) : h;
        d->args[found] = rd(base);
        d->mAddr = rd(h);
    }
    add(st);
}

/* Does a signed division of x by d give a quotient outside `bits` bits (or divide by
 * zero)? The quotient of x / -1 is -x, computed without overflow here. */
static int signed_quotient_traps(__int128 x, int64_t d, int bits)
{
    __int128 lim = (__int128)1 << (bits - 1);
    if (d == 0)
        return 1;
    if (d == -1)
        return x < -(lim - 1) || x > lim;
    __int128 q = x / d;
    return q >= lim || q < -lim;
}

/* Would the host's div trap (divide error) for this division? Then so would the
 * client's: the block reports SIGFPE instead of letting the host instruction run. */
uint64_t pgv_div_traps(uint64_t kind, uint64_t hi, uint64_t lo, uint64_t d)
{
    switch (kind) {
    case 0: /* DivModU128to64 */
        return d == 0 || hi >= d;
    case 1: /* DivModS128to64 */
        return signed_quotient_traps((__int128)(((unsigned __int128)hi << 64) | lo),
                                     (int64_t)d, 64);
    case 2: /* DivModU64to32 */
        return (uint32_t)d == 0 || lo / (uint32_t)d > 0xFFFFFFFFu;
    case 3: /* DivModS64to32 */
        return signed_quotient_traps((int64_t)lo, (int32_t)d, 32);
    }
    return 1;
}

static void division(IROp op, IRExpr *x, IRExpr *dv)
{
    int kind;
    IRExpr *hi, *lo, *d64;
    switch (op) {
    case Iop_DivModU128to64:
    case Iop_DivModS128to64:
        kind = op == Iop_DivModU128to64 ? 0 : 1;
        hi = rd(let(Ity_I64, IRExpr_Unop(Iop_128HIto64, x)));
        lo = rd(let(Ity_I64, IRExpr_Unop(Iop_128to64, x)));
        d64 = dv;
        break;
    case Iop_DivModU64to32:
    case Iop_DivModS64to32:
        kind = op == Iop_DivModU64to32 ? 2 : 3;
        hi = c64(0);
        lo = x;
        d64 = rd(let(Ity_I64, IRExpr_Unop(Iop_32Uto64, dv)));
        break;
    default:
        reject(PGV_UNSUPPORTED);
        return;
    }
    IRExpr *call = mkIRExprCCall(Ity_I64, 0, "pgv_div_traps", (void *)pgv_div_traps,
                                 mkIRExprVec_4(c64(kind), hi, lo, d64));
    IRTemp r = let(Ity_I64, call);
    guarded_call(not_zero(r), "pg_div_fault", (void *)div_fault, mkIRExprVec_1(c64(cur_pc)));
    fault_exit(not_zero(r));
}

/* Which ops libVEX's amd64 code generator handles, found by pgv_probe_ops when the
 * library is built (the AVX-512 extension in pyvex's libVEX crashes, rather than
 * failing cleanly, on a vector op the code generator lacks): bit 0, with any
 * arguments; bit 1, when its 8-bit arguments are constants (shift counts, lanes). */
#define N_OPS (Iop_LAST_NOT_EVEX - Iop_INVALID)
static uint8_t op_ok[N_OPS];

void pgv_set_ops(const uint8_t *ok, uint64_t n)
{
    memcpy(op_ok, ok, n < N_OPS ? n : N_OPS);
}

int pgv_op_ok(IROp op)
{
    return op > Iop_INVALID && op < Iop_LAST_NOT_EVEX && (op_ok[op - Iop_INVALID] & 1);
}

static void check_op(IROp op, IRExpr **args, int nargs)
{
    if (op <= Iop_INVALID || op >= Iop_LAST_NOT_EVEX)
        reject(PGV_UNSUPPORTED);
    uint8_t ok = op_ok[op - Iop_INVALID];
    if (ok & 1)
        return;
    if (ok & 2) {
        int consts = 1;
        for (int i = 0; i < nargs; i++) {
            if (typeOfIRExpr(out->tyenv, args[i]) == Ity_I8 && args[i]->tag != Iex_Const)
                consts = 0;
        }
        if (consts)
            return;
    }
    reject(PGV_UNSUPPORTED);
}

static void check_ops(IRExpr *e)
{
    switch (e->tag) {
    case Iex_Unop:
        check_op(e->Iex.Unop.op, &e->Iex.Unop.arg, 1);
        break;
    case Iex_Binop: {
        IRExpr *a[2] = {e->Iex.Binop.arg1, e->Iex.Binop.arg2};
        check_op(e->Iex.Binop.op, a, 2);
        break;
    }
    case Iex_Triop: {
        IRTriop *t = e->Iex.Triop.details;
        IRExpr *a[3] = {t->arg1, t->arg2, t->arg3};
        check_op(t->op, a, 3);
        break;
    }
    case Iex_Qop: {
        IRQop *q = e->Iex.Qop.details;
        IRExpr *a[4] = {q->arg1, q->arg2, q->arg3, q->arg4};
        check_op(q->op, a, 4);
        break;
    }
    default:
        break;
    }
}

static int is_int_division(IROp op)
{
    switch (op) {
    case Iop_DivU32: case Iop_DivS32: case Iop_DivU64: case Iop_DivS64:
    case Iop_DivU64E: case Iop_DivS64E: case Iop_DivU32E: case Iop_DivS32E:
    case Iop_DivModU64to32: case Iop_DivModS64to32:
    case Iop_DivModU128to64: case Iop_DivModS128to64:
    case Iop_DivModS64to64: case Iop_DivModU64to64:
    case Iop_DivModU32to32: case Iop_DivModS32to32:
        return 1;
    default:
        return 0;
    }
}

static void check_jumpkind(IRJumpKind jk)
{
    switch (jk) {
    case Ijk_Boring: case Ijk_Call: case Ijk_Ret: case Ijk_Sys_syscall:
    case Ijk_SigSEGV: case Ijk_SigTRAP: case Ijk_Yield: case Ijk_EmWarn:
    case Ijk_NoRedir: case Ijk_InvalICache:
        return;
    case Ijk_NoDecode:
        reject(PGV_NODECODE);
        return;
    default:
        reject(PGV_UNSUPPORTED);
    }
}

/* ---- probing the code generator (pgv_probe_ops) ---------------------------------- */

static int probe_op = -1;  /* >= 0: translate a block that applies this op instead */
static int probe_const_i8;

static IRExpr *probe_arg(IRType ty, int k)
{
    int gpr = offsetof(VexGuestAMD64State, guest_RAX) + 8 * k;
    int vec = offsetof(VexGuestAMD64State, guest_YMM0) + 64 * k;
    switch (ty) {
    case Ity_I1:
        return rd(let(Ity_I1, bin(Iop_CmpEQ64, rd(let(Ity_I64, IRExpr_Get(gpr, Ity_I64))),
                                   c64(0))));
    case Ity_I8:
        return probe_const_i8 ? c8(3) : rd(let(Ity_I8, IRExpr_Get(gpr, Ity_I8)));
    case Ity_I16: case Ity_I32: case Ity_I64:
        return rd(let(ty, IRExpr_Get(gpr, ty)));
    case Ity_I128: {
        IRTemp lo = let(Ity_I64, IRExpr_Get(gpr, Ity_I64));
        IRTemp hi = let(Ity_I64, IRExpr_Get(gpr + 32, Ity_I64));
        return rd(let(Ity_I128, bin(Iop_64HLto128, rd(hi), rd(lo))));
    }
    case Ity_F32: case Ity_F64: case Ity_V128:
        return rd(let(ty, IRExpr_Get(vec, ty)));
    default:
        reject(PGV_UNSUPPORTED);
        return NULL;
    }
}

static void probe_block(void)
{
    IROp op = (IROp)probe_op;
    IRType tr, t1, t2, t3, t4;
    typeOfPrimop(op, &tr, &t1, &t2, &t3, &t4);
    IRType ts[4] = {t1, t2, t3, t4};
    IRExpr *a[4] = {NULL, NULL, NULL, NULL};
    int n = 0;
    while (n < 4 && ts[n] != Ity_INVALID) {
        a[n] = probe_arg(ts[n], n);
        n++;
    }
    IRExpr *e;
    switch (n) {
    case 1: e = IRExpr_Unop(op, a[0]); break;
    case 2: e = IRExpr_Binop(op, a[0], a[1]); break;
    case 3: e = IRExpr_Triop(op, a[0], a[1], a[2]); break;
    case 4: e = IRExpr_Qop(op, a[0], a[1], a[2], a[3]); break;
    default: reject(PGV_UNSUPPORTED); return;
    }
    IRTemp r = let(tr, e);
    int gpr = offsetof(VexGuestAMD64State, guest_RAX);
    int vec = offsetof(VexGuestAMD64State, guest_YMM0);
    switch (tr) {
    case Ity_I1:
        add(IRStmt_Put(gpr, rd(let(Ity_I64, IRExpr_Unop(Iop_1Uto64, rd(r))))));
        break;
    case Ity_I8: case Ity_I16: case Ity_I32: case Ity_I64:
        add(IRStmt_Put(gpr, rd(r)));
        break;
    case Ity_I128:
        add(IRStmt_Put(gpr, rd(let(Ity_I64, IRExpr_Unop(Iop_128to64, rd(r))))));
        add(IRStmt_Put(gpr + 8, rd(let(Ity_I64, IRExpr_Unop(Iop_128HIto64, rd(r))))));
        break;
    case Ity_F32: case Ity_F64: case Ity_V128:
        add(IRStmt_Put(vec, rd(r)));
        break;
    default:
        reject(PGV_UNSUPPORTED);
    }
}

static IRSB *pgv_instrument(void *opaque, IRSB *in, const VexGuestLayout *layout,
                            const VexGuestExtents *vge, const VexArchInfo *ai,
                            IRType gwt, IRType hwt)
{
    (void)opaque; (void)layout; (void)vge; (void)ai; (void)gwt; (void)hwt;
    out = deepCopyIRSBExceptStmts(in);
    if (probe_op >= 0) {
        cur_stmt = NULL;
        out->next = c64(0x400000);
        out->jumpkind = Ijk_Boring;
        probe_block();
        return out;
    }
    cur_stmt = NULL;
    if (n_host_tmps)
        memset(host_tmps, 0, (size_t)n_host_tmps);
    /* a tool's replacement of the function at this address, or its pass */
    IRSB *replaced = NULL;
    if (pgv_tool_redirect != NULL && vge->n_used >= 1)
        replaced = pgv_tool_redirect(in, vge->base[0]);
    if (replaced != NULL)
        in = replaced;
    else if (pgv_tool_pass != NULL)
        in = pgv_tool_pass(in);
    out = deepCopyIRSBExceptStmts(in);
    in_sb = in;
    cur_stmt = NULL;
    check_jumpkind(in->jumpkind);
    k_base = let(Ity_I64, IRExpr_Get(PGV_K_BASE, Ity_I64));
    k_pt = let(Ity_I64, IRExpr_Get(PGV_K_PT, Ity_I64));
    k_ctx = let(Ity_I64, IRExpr_Get(PGV_K_CTX, Ity_I64));
    k_scratch = let(Ity_I64, IRExpr_Get(PGV_K_SCRATCH, Ity_I64));
    cur_pc = 0;
    for (int i = 0; i < in->stmts_used; i++) {
        IRStmt *st = in->stmts[i];
        if (!st)
            continue;
        cur_stmt = st;
        switch (st->tag) {
        case Ist_IMark:
            cur_pc = st->Ist.IMark.addr;
            add(st);
            break;
        case Ist_WrTmp: {
            IRExpr *e = st->Ist.WrTmp.data;
            if (e->tag == Iex_Load && is_host_addr(e->Iex.Load.addr)) {
                add(st);
                break;
            }
            if (e->tag == Iex_Load) {
                load(st->Ist.WrTmp.tmp, e);
                break;
            }
            check_ops(e);
            if (e->tag == Iex_Binop && is_int_division(e->Iex.Binop.op))
                division(e->Iex.Binop.op, e->Iex.Binop.arg1, e->Iex.Binop.arg2);
            add(st);
            break;
        }
        case Ist_Store:
            if (is_host_addr(st->Ist.Store.addr))
                add(st);
            else
                store(st);
            break;
        case Ist_CAS:
            cas(st);
            break;
        case Ist_Dirty:
            dirty(st);
            break;
        case Ist_Exit:
            check_jumpkind(st->Ist.Exit.jk);
            add(st);
            break;
        case Ist_LLSC: case Ist_LoadG: case Ist_StoreG:
            reject(PGV_UNSUPPORTED);
            break;
        default:
            add(st);
        }
    }
    return out;
}

/* ---- driving libVEX ----------------------------------------------------------------- */

static Bool no_chase(void *opaque, Addr a)
{
    (void)opaque; (void)a;
    return False;
}

static UInt no_self_check(void *opaque, VexRegisterUpdates *px, const VexGuestExtents *vge)
{
    (void)opaque; (void)vge;
    *px = cfg.precise == 2   ? VexRegUpdAllregsAtEachInsn
          : cfg.precise == 1 ? VexRegUpdAllregsAtMemAccess
                             : VexRegUpdUnwindregsAtMemAccess;
    return 0;
}

/* the exits of generated code (assembly below) */
extern char pgv_run[], pgv_xindir[], pgv_xassisted[], pgv_chain_slow[], pgv_chain_fast[],
    pgv_evfail[], pgv_hot[];

/* code memory: chunks of RWX memory handed out in order and never reused (an
 * invalidated block's code is unlinked from the dispatch table and left in place) */
#define CHUNK (32u << 20)
static uint8_t *code_cur, *code_end;
uint64_t pgv_code_bytes;

static uint8_t *code_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (code_cur == NULL || (size_t)(code_end - code_cur) < n) {
        void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        code_cur = p;
        code_end = code_cur + CHUNK;
    }
    uint8_t *r = code_cur;
    code_cur += n;
    pgv_code_bytes += n;
    return r;
}

/* ---- relocatable code ------------------------------------------------------------
 *
 * Calls and exits in libVEX's code are `movabs $target, %r11` then `call *%r11` or
 * `jmp *%r11` (r11 is reserved for this: no other value is ever put there). Their
 * targets are in libVEX (helpers) or in this library (exits, trampolines): a block's
 * portable image holds each target as an offset from its library's load address, and
 * a relocation entry ((code offset << 1) | library) for it. */

static uint64_t lib_lo[2], lib_hi[2], lib_base[2]; /* libpyvex, this library */

static int find_one(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size; (void)data;
    uint64_t probes[2] = {(uint64_t)(uintptr_t)LibVEX_Translate, (uint64_t)(uintptr_t)pgv_run};
    for (int k = 0; k < 2; k++) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
            if (ph->p_type != PT_LOAD)
                continue;
            uint64_t a = info->dlpi_addr + ph->p_vaddr;
            if (a < lo)
                lo = a;
            if (a + ph->p_memsz > hi)
                hi = a + ph->p_memsz;
        }
        if (probes[k] >= lo && probes[k] < hi) {
            lib_lo[k] = lo;
            lib_hi[k] = hi;
            lib_base[k] = info->dlpi_addr;
        }
    }
    return 0;
}

static void find_libraries(void)
{
    dl_iterate_phdr(find_one, NULL);
}

uint64_t pgv_install(const uint8_t *code, uint64_t len, const uint32_t *rel, uint64_t n_rel,
                     uint64_t pc, uint64_t count);

#define MAX_RELOCS 512
static uint8_t image[65536];
static uint32_t relocs[MAX_RELOCS];
static uint64_t n_relocs;

/* The portable image of the code in host[0:used) (into image/relocs); 0 if some call
 * target is outside both libraries (then the code can only be used as it is). */
static int make_image(const uint8_t *code, int used)
{
    memcpy(image, code, (size_t)used);
    n_relocs = 0;
    int portable = 1;
    for (int i = 0; i + 13 <= used; i++) {
        if (code[i] != 0x49 || code[i + 1] != 0xbb || code[i + 10] != 0x41 ||
            code[i + 11] != 0xff || (code[i + 12] != 0xd3 && code[i + 12] != 0xe3))
            continue;
        uint64_t t;
        memcpy(&t, code + i + 2, 8);
        int k = t >= lib_lo[0] && t < lib_hi[0] ? 0 : t >= lib_lo[1] && t < lib_hi[1] ? 1 : -1;
        if (k < 0 || n_relocs == MAX_RELOCS) {
            portable = 0;
            continue;
        }
        t -= lib_base[k];
        memcpy(image + i + 2, &t, 8);
        relocs[n_relocs++] = ((uint32_t)(i + 2) << 1) | (uint32_t)k;
        i += 12;
    }
    return portable;
}

#define MAX_GUEST_BYTES 1000
/* In front of each block's code: the entry stub (24 bytes, for the dispatch table),
 * info (24: fast entry point, address of the run counter, guest pc), the counting entry
 * that chained jumps go to (44), padding. */
#define STUB_BYTES 96
#define COUNTING_ENTRY 48

static VexArchInfo guest_info, host_info;
static VexAbiInfo abi_info;
static VexControl control;
static int evcheck_bytes;

int pgv_init(const pgv_config *c)
{
    cfg = *c;
    pgv_consts[0] = cfg.mem_base;
    pgv_consts[1] = cfg.page_table;
    pgv_consts[2] = cfg.ctx;
    pgv_consts[3] = (uint64_t)(uintptr_t)scratch;
    find_libraries();
    if (cfg.ctx != 0) { /* 0: probing the code generator (build.py) */
        memcpy(&pgv_table, (uint8_t *)(uintptr_t)cfg.ctx + CTX_TABLE, 8);
        if (cfg.table_bits != TABLE_BITS || COUNTING_ENTRY != 48)
            return -1;
    }
    if (!vex_init())
        return -1;
    LibVEX_default_VexArchInfo(&guest_info);
    guest_info.endness = VexEndnessLE;
    /* what pyvex decodes, so that both tiers accept the same instructions */
    guest_info.hwcaps = VEX_HWCAPS_AMD64_SSE3 | VEX_HWCAPS_AMD64_SSSE3 | VEX_HWCAPS_AMD64_CX16 |
                        VEX_HWCAPS_AMD64_LZCNT |
                        VEX_HWCAPS_AMD64_AVX | VEX_HWCAPS_AMD64_RDTSCP | VEX_HWCAPS_AMD64_BMI |
                        VEX_HWCAPS_AMD64_AVX2;
    LibVEX_default_VexArchInfo(&host_info);
    host_info.endness = VexEndnessLE;
    host_info.hwcaps = VEX_HWCAPS_AMD64_SSE3 | VEX_HWCAPS_AMD64_CX16;
    if (__builtin_cpu_supports("ssse3"))
        host_info.hwcaps |= VEX_HWCAPS_AMD64_SSSE3;
    LibVEX_default_VexAbiInfo(&abi_info);
    abi_info.guest_stack_redzone_size = 128;
    abi_info.guest_amd64_assume_fs_is_const = True;
    abi_info.guest_amd64_assume_gs_is_const = True;
    LibVEX_default_VexControl(&control);
    control.iropt_level = 2;
    control.iropt_unroll_thresh = 0;
    /* the limits pyvex lifts with, so that a block has the same extent in every tier */
    control.guest_max_insns = 99;
    control.guest_chase = False;
    control.special_instruction_support = False;
    control.strict_block_end = True;
    evcheck_bytes = LibVEX_evCheckSzB(VexArchAMD64);
    return (int)sizeof(VexGuestAMD64State);
}

static uint8_t host[65536];
/* libVEX's tracing (VEX_TRACE_* bits) for the next translations, for debugging */
int pgv_traceflags;

/* libVEX's whole pipeline on `avail` guest bytes at `guest` (guest address pc): the
 * code goes to `host`; returns 0 or why not. */
static int run_vex(const uint8_t *guest, uint64_t avail, uint64_t pc, int *used,
                   VexGuestExtents *vge, VexTranslateResult *tr)
{
    VexTranslateArgs vta = {
        .arch_guest = VexArchAMD64, .archinfo_guest = guest_info,
        .arch_host = VexArchAMD64, .archinfo_host = host_info, .abiinfo_both = abi_info,
        .guest_bytes = guest, .guest_bytes_addr = pc, .chase_into_ok = no_chase,
        .guest_extents = vge, .host_bytes = host, .host_bytes_size = sizeof host,
        .host_bytes_used = used, .instrument1 = pgv_instrument,
        .needs_self_check = no_self_check,
        .disp_cp_chain_me_to_slowEP = pgv_chain_slow,
        .disp_cp_chain_me_to_fastEP = pgv_chain_fast,
        .disp_cp_xindir = pgv_xindir, .disp_cp_xassisted = pgv_xassisted,
        .traceflags = pgv_traceflags,
    };

    control.guest_max_bytes = (int)avail;
    LibVEX_set_VexControl(control);
    void (*saved_exit)(void) = vex_failure_exit;
    vex_failure_exit = fail;
    int why = setjmp(fail_jb);
    if (why != 0) {
        vex_failure_exit = saved_exit;
        return why;
    }
    *tr = LibVEX_Translate(&vta);
    vex_failure_exit = saved_exit;
    if (tr->status != VexTransOK || vge->n_used != 1)
        return PGV_FAILED;
    return PGV_OK;
}

/* One probe, in this process (for tests and debugging): 0 if the op translates. */
int pgv_probe_one(int op, int const_i8)
{
    static const uint8_t ret[32] = {0xc3};
    int used;
    VexGuestExtents vge;
    VexTranslateResult tr;
    probe_op = op;
    probe_const_i8 = const_i8;
    int r = run_vex(ret, 1, 0x400000, &used, &vge, &tr);
    probe_op = -1;
    return r;
}

/* Fill op_ok (see check_op) by translating, for each op, a block that applies it, in a
 * child process each: a crash there only marks the op as unsupported. Slow (a fork per
 * op and form): done once, when the library is built. `ok` gets N_OPS bytes. */
uint64_t pgv_probe_ops(uint8_t *ok)
{
    static const uint8_t ret[32] = {0xc3};
    for (int i = 1; i < N_OPS; i++) {
        ok[i] = 0;
        for (int form = 0; form < 2; form++) {
            pid_t pid = fork();
            if (pid == 0) {
                probe_op = Iop_INVALID + i;
                probe_const_i8 = form;
                int used;
                VexGuestExtents vge;
                VexTranslateResult tr;
                _exit(run_vex(ret, 1, 0x400000, &used, &vge, &tr) == PGV_OK ? 0 : 1);
            }
            int status = 0;
            if (pid < 0 || waitpid(pid, &status, 0) != pid)
                return 0;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                ok[i] |= (uint8_t)(1 << form);
        }
    }
    return N_OPS;
}

/* Translate the block at guest pc. Returns the address of its entry stub (for the
 * dispatch table), or 0 with res->status saying why not. `count` is how many runs
 * make the block hot. */
uint64_t pgv_translate(uint64_t pc, uint64_t count, pgv_result *res)
{
    static uint8_t guest[MAX_GUEST_BYTES + 32];
    memset(res, 0, sizeof *res);
    /* the executable bytes from pc, copied (libVEX may read a little ahead) */
    uint64_t avail = 0;
    const uint8_t *pt = (const uint8_t *)(uintptr_t)cfg.page_table;
    while (avail < MAX_GUEST_BYTES) {
        uint64_t a = pc + avail;
        if (a >> cfg.space_bits || !(pt[a >> 12] & cfg.p_x))
            break;
        uint64_t room = 4096 - (a & 4095);
        avail += room;
    }
    if (avail > MAX_GUEST_BYTES)
        avail = MAX_GUEST_BYTES;
    if (avail == 0) {
        res->status = PGV_NOCODE;
        return 0;
    }
    memcpy(guest, (const void *)(uintptr_t)(cfg.mem_base + pc), avail);
    memset(guest + avail, 0, 32);

    VexGuestExtents vge;
    VexTranslateResult tr;
    int used = 0;
    int why = run_vex(guest, avail, pc, &used, &vge, &tr);
    if (why != PGV_OK) {
        res->status = (uint64_t)why;
        return 0;
    }
    if (!make_image(host, used)) {
        /* usable now, as it is, but not relocatable: no relocations, not portable */
        memcpy(image, host, (size_t)used);
        n_relocs = 0;
        res->portable = 0;
    } else {
        res->portable = 1;
    }
    res->size = vge.len[0];
    res->n_insns = tr.n_guest_instrs;
    res->code_len = (uint64_t)used;
    res->image = (uint64_t)(uintptr_t)image;
    res->relocs = (uint64_t)(uintptr_t)relocs;
    res->n_relocs = n_relocs;
    uint64_t stub = pgv_install(image, (uint64_t)used, relocs, n_relocs, pc, count);
    if (stub == 0)
        res->status = PGV_FAILED;
    return stub;
}

/* Run counters live apart from code: a store into a cache line the CPU is executing
 * from costs a pipeline flush (self-modifying code), tens of nanoseconds each time. */
static uint64_t *counters_cur, *counters_end;

static uint64_t *new_counter(void)
{
    if (counters_cur == counters_end) {
        counters_cur = malloc(65536 * sizeof *counters_cur);
        if (counters_cur == NULL)
            return NULL;
        counters_end = counters_cur + 65536;
    }
    return counters_cur++;
}

/* Put a block's code (a portable image, relocated here) in code memory behind its entry
 * stub; returns the stub's address, or 0 if out of memory. */
uint64_t pgv_install(const uint8_t *code, uint64_t len, const uint32_t *rel, uint64_t n_rel,
                     uint64_t pc, uint64_t count)
{
    uint8_t *mem = code_alloc(STUB_BYTES + (size_t)len);
    if (mem == NULL)
        return 0;
    uint8_t *dst = mem + STUB_BYTES;
    memcpy(dst, code, (size_t)len);
    for (uint64_t i = 0; i < n_rel; i++) {
        uint32_t off = rel[i] >> 1;
        uint64_t t;
        memcpy(&t, dst + off, 8);
        t += lib_base[rel[i] & 1];
        memcpy(dst + off, &t, 8);
    }
    /* entry stub: lea info(%rip), %rax; movabs $pgv_run, %r11; jmp *%r11 */
    uint8_t *p = mem;
    *p++ = 0x48; *p++ = 0x8d; *p++ = 0x05;
    int32_t rel24 = 24 - 7;
    memcpy(p, &rel24, 4); p += 4;
    *p++ = 0x49; *p++ = 0xbb;
    uint64_t run = (uint64_t)(uintptr_t)pgv_run;
    memcpy(p, &run, 8); p += 8;
    *p++ = 0x41; *p++ = 0xff; *p++ = 0xe3;
    while (p < mem + 24)
        *p++ = 0xcc;
    uint64_t *counter = new_counter();
    if (counter == NULL)
        return 0;
    *counter = count;
    uint64_t info[3] = {(uint64_t)(uintptr_t)(dst + evcheck_bytes), (uint64_t)(uintptr_t)counter,
                        pc};
    memcpy(mem + 24, info, sizeof info);
    /* counting entry: movabs $counter, %r11; subq $1, (%r11); jnz 1f; movabs $pc, %rax;
     * movabs $pgv_hot, %r11; jmp *%r11; 1: jmp <slow entry point: the event check> */
    p = mem + COUNTING_ENTRY;
    *p++ = 0x49; *p++ = 0xbb;
    memcpy(p, &info[1], 8); p += 8;
    *p++ = 0x49; *p++ = 0x83; *p++ = 0x2b; *p++ = 0x01;
    *p++ = 0x75; *p++ = 23;
    *p++ = 0x48; *p++ = 0xb8;
    memcpy(p, &pc, 8); p += 8;
    *p++ = 0x49; *p++ = 0xbb;
    uint64_t hot = (uint64_t)(uintptr_t)pgv_hot;
    memcpy(p, &hot, 8); p += 8;
    *p++ = 0x41; *p++ = 0xff; *p++ = 0xe3;
    *p++ = 0xe9;
    int32_t to_code = (int32_t)(STUB_BYTES - (p + 4 - mem));
    memcpy(p, &to_code, 4); p += 4;
    while (p < mem + STUB_BYTES)
        *p++ = 0xcc;
    return (uint64_t)(uintptr_t)mem;
}

/* ---- chaining ------------------------------------------------------------------------
 *
 * A jump to a known address leaves libVEX's code by calling pgv_chain_slow/fast at a
 * site that LibVEX_Chain can patch into a jump straight to the target. pgv_do_chain does
 * that when the target pc's dispatch-table entry is a block of this tier: the site then
 * jumps to the target's counting entry (which counts its runs, as its entry stub does,
 * and then does the event check that ends a chain when the budget is spent). Every
 * patched site is recorded, so that pgv_unchain can restore the sites that jump to a
 * block when it is dropped (its code changed) or replaced (LLVM compiled it). */

typedef struct {
    uint8_t *site;
    uint8_t *target;      /* what the site jumps to now */
    const void *chain_me; /* what it called before */
} chain_rec;

static chain_rec *chains;
static uint64_t n_chains, cap_chains;
uint64_t pgv_chained;

static int is_stub(const uint8_t *code)
{
    uint64_t run;
    memcpy(&run, code + 9, 8);
    return code[0] == 0x48 && code[1] == 0x8d && run == (uint64_t)(uintptr_t)pgv_run;
}

/* From pgv_chain_*: the site's return address, the guest state, and which dispatcher
 * entry the site called. Returns where to go on (the target), or 0 to return to the
 * dispatcher. */
__attribute__((visibility("hidden"))) uint64_t pgv_do_chain(uint8_t *ret, uint8_t *state,
                                                             uint64_t fast)
{
    uint64_t pc;
    memcpy(&pc, state + offsetof(VexGuestAMD64State, guest_RIP), 8);
    uint64_t *table;
    memcpy(&table, (uint8_t *)(uintptr_t)cfg.ctx + CTX_TABLE, 8);
    uint64_t mask = ((uint64_t)1 << cfg.table_bits) - 1;
    uint64_t h = (pc ^ (pc >> cfg.table_bits)) & mask;
    if (table[2 * h] != pc)
        return 0;
    uint8_t *stub = (uint8_t *)(uintptr_t)table[2 * h + 1];
    if (!is_stub(stub))
        return 0;
    if (n_chains == cap_chains) {
        uint64_t cap = cap_chains ? 2 * cap_chains : 4096;
        chain_rec *grown = realloc(chains, cap * sizeof *chains);
        if (grown == NULL)
            return 0;
        chains = grown;
        cap_chains = cap;
    }
    const void *me = fast ? (const void *)pgv_chain_fast : (const void *)pgv_chain_slow;
    uint8_t *site = ret - 13; /* movabs $me, %r11; call *%r11 */
    uint8_t *target = stub + COUNTING_ENTRY;
    LibVEX_Chain(VexArchAMD64, VexEndnessLE, site, me, target);
    chains[n_chains++] = (chain_rec){site, target, me};
    pgv_chained++;
    return (uint64_t)(uintptr_t)target;
}

/* Restore every site that jumps to the block behind entry stub `stub`. */
void pgv_unchain(uint64_t stub)
{
    uint8_t *target = (uint8_t *)(uintptr_t)stub + COUNTING_ENTRY;
    uint64_t kept = 0;
    for (uint64_t i = 0; i < n_chains; i++) {
        if (chains[i].target == target)
            LibVEX_UnChain(VexArchAMD64, VexEndnessLE, chains[i].site, target,
                           chains[i].chain_me);
        else
            chains[kept++] = chains[i];
    }
    n_chains = kept;
}

/* Set the run counter of the block behind entry stub `stub`. */
void pgv_set_count(uint64_t stub, uint64_t count)
{
    uint64_t *counter;
    memcpy(&counter, (uint8_t *)(uintptr_t)stub + 32, 8);
    *counter = count;
}

/* ---- entering and leaving generated code -------------------------------------------
 *
 * pgv_run(state=%rdi, ctx=%rsi, info=%rax): from an entry stub. Counts the run; saves
 * what the C ABI says a callee keeps (generated code uses every register but %rsp),
 * sets the x87 control word libVEX's code expects (0x027F), and jumps to the block with
 * %rbp = guest state. The stack is 16-aligned there, as the code's helper calls need.
 * Frame: 0(%rsp) saved x87 control word, 8 state, 16 ctx, then callee-saved registers.
 *
 * Exits, each returning the next guest pc (the guest RIP, which generated code stores
 * before leaving) to the dispatcher:
 *   pgv_xindir       computed jump, call or return;
 *   pgv_chain_*      a jump to a known address (called, to be patched by chaining, which
 *                    pygrind does not do: drop the return address);
 *   pgv_xassisted    anything else (system call, fault...): %rbp holds libVEX's TRC
 *                    code; it is left in ctx (exit_kind 5, jk = TRC) unless a callback
 *                    already recorded a fault (exit_kind set).
 * A block whose count runs out returns at once with exit_kind 6 (hot) and its own pc.
 */
__asm__(
    ".text\n"
    ".globl pgv_run\n"
    ".hidden pgv_run\n"
    ".type pgv_run,@function\n"
    "pgv_run:\n"
    "    movq 8(%rax), %r11\n"
    "    subq $1, (%r11)\n"
    "    jz 1f\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    pushq %rsi\n"
    "    pushq %rdi\n"
    "    subq $8, %rsp\n"
    "    movq pgv_consts(%rip), %r11\n"
    "    movq %r11, 16304(%rdi)\n"
    "    movq pgv_consts+8(%rip), %r11\n"
    "    movq %r11, 16312(%rdi)\n"
    "    movq pgv_consts+16(%rip), %r11\n"
    "    movq %r11, 16320(%rdi)\n"
    "    movq pgv_consts+24(%rip), %r11\n"
    "    movq %r11, 16328(%rdi)\n"
    "    movq pgv_consts+32(%rip), %r11\n"
    "    movq %r11, 16336(%rdi)\n"
    "    movq pgv_consts+40(%rip), %r11\n"
    "    movq %r11, 16344(%rdi)\n"
    /* the event counter: chained blocks count down the dispatcher's budget in it */
    "    movq 64(%rsi), %r11\n"
    "    movl $0x7fffffff, %ecx\n"
    "    cmpq %rcx, %r11\n"
    "    cmova %rcx, %r11\n"
    "    movl %r11d, 8(%rdi)\n"
    "    leaq pgv_evfail(%rip), %r11\n"
    "    movq %r11, 0(%rdi)\n"
    /* where pygrind's signal handler finds it, to end a chain at once */
    "    leaq 8(%rdi), %r11\n"
    "    movq %r11, 80(%rsi)\n"
    "    fnstcw (%rsp)\n"
    "    fldcw pgv_fpucw(%rip)\n"
    "    movq %rdi, %rbp\n"
    "    jmp *(%rax)\n"
    "1:  movq 16(%rax), %rax\n"
    "    movq $6, (%rsi)\n"
    "    ret\n"
    ".globl pgv_xindir\n"
    ".hidden pgv_xindir\n"
    "pgv_xindir:\n"
    /* the dispatch table's entry for the pc, as the dispatcher computes it: if it is a
     * block of this tier, go on there (its counting entry) without leaving */
    "    movq 184(%rbp), %rax\n"
    "    movq %rax, %rdx\n"
    "    shrq $18, %rdx\n"
    "    xorq %rax, %rdx\n"
    "    andq $0x3ffff, %rdx\n"
    "    shlq $4, %rdx\n"
    "    addq pgv_table(%rip), %rdx\n"
    "    cmpq %rax, (%rdx)\n"
    "    jne pgv_out\n"
    "    movq 8(%rdx), %rcx\n"
    "    movq 9(%rcx), %r11\n"
    "    leaq pgv_run(%rip), %rdx\n"
    "    cmpq %rdx, %r11\n"
    "    jne pgv_out\n"
    "    addq $48, %rcx\n"
    "    jmp *%rcx\n"
    ".globl pgv_chain_slow\n"
    ".hidden pgv_chain_slow\n"
    ".globl pgv_chain_fast\n"
    ".hidden pgv_chain_fast\n"
    "pgv_chain_slow:\n"
    "    xorl %edx, %edx\n"
    "    jmp 2f\n"
    "pgv_chain_fast:\n"
    "    movl $1, %edx\n"
    "2:  popq %rdi\n"
    "    movq %rbp, %rsi\n"
    "    call pgv_do_chain\n"
    "    testq %rax, %rax\n"
    "    jz 3f\n"
    "    jmp *%rax\n"
    "3:  movq 184(%rbp), %rax\n"
    "    jmp pgv_out\n"
    /* a block's event check failed (the budget is spent): it has not run */
    ".globl pgv_evfail\n"
    ".hidden pgv_evfail\n"
    "pgv_evfail:\n"
    "    movq 184(%rbp), %rax\n"
    "    jmp pgv_out\n"
    /* a counting entry found its block hot (rax = its pc): it has not run */
    ".globl pgv_hot\n"
    ".hidden pgv_hot\n"
    "pgv_hot:\n"
    "    movq 16(%rsp), %rdx\n"
    "    movq $6, (%rdx)\n"
    "    jmp pgv_out\n"
    ".globl pgv_xassisted\n"
    ".hidden pgv_xassisted\n"
    "pgv_xassisted:\n"
    "    movq %rbp, %rcx\n"
    "    movq 8(%rsp), %rbp\n"
    "    movq 184(%rbp), %rax\n"
    "    movq 16(%rsp), %rdx\n"
    "    cmpq $0, (%rdx)\n"
    "    jne pgv_out\n"
    "    movq $5, (%rdx)\n"
    "    movq %rcx, 8(%rdx)\n"
    "pgv_out:\n"
    /* the budget left: at least 1, so that the dispatcher's own count ends a spent one */
    "    movq 8(%rsp), %rdi\n"
    "    movq 16(%rsp), %rsi\n"
    "    movslq 8(%rdi), %r11\n"
    "    movl $1, %ecx\n"
    "    cmpq %rcx, %r11\n"
    "    cmovl %rcx, %r11\n"
    "    movq %r11, 64(%rsi)\n"
    "    movq $0, 80(%rsi)\n"
    "    fldcw (%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %rdi\n"
    "    popq %rsi\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".section .rodata\n"
    "pgv_fpucw: .short 0x027F\n"
    ".text\n");
