/* What vexcg.c shares with the native passes of tools (the C files in tools/<tool>/native/),
 * which are built into the same library: the block being built and the small IR constructors, the layout
 * of the words pygrind keeps after the guest state, and the hooks a tool's pass plugs in.
 *
 * A tool's pass runs on the block as libVEX lifted and optimised it, before vexcg's own
 * rewriting of memory accesses (page-table checks, client base). Accesses a pass makes to
 * its own memory (shadow maps, a shadow stack) use host addresses: it marks the temporary
 * holding such an address with pgv_mark_host, and the rewriting leaves those alone.
 */
#ifndef PGV_H
#define PGV_H

#include <stdint.h>

#include "libvex.h"
#include "libvex_guest_amd64.h"
#include "libvex_ir.h"

/* Words after the guest state, its two shadow copies and libVEX's spill area (where
 * nothing of libVEX's lives): the first PGV_N_CONSTS are filled from pgv_consts by
 * pgv_run at each entry (host addresses generated code needs); the rest belong to the
 * thread whose state this is. */
#define PGV_CONSTS (3 * 2704 + LibVEX_N_SPILL_BYTES)
#define PGV_N_CONSTS 6
#define PGV_K_BASE (PGV_CONSTS + 0)     /* host address of client address 0 */
#define PGV_K_PT (PGV_CONSTS + 8)       /* page table */
#define PGV_K_CTX (PGV_CONSTS + 16)     /* the JIT's context */
#define PGV_K_SCRATCH (PGV_CONSTS + 24) /* vexcg's scratch area */
#define PGV_K_TOOL0 (PGV_CONSTS + 32)   /* two words a tool sets (pgv_consts[4], [5]) */
#define PGV_K_TOOL1 (PGV_CONSTS + 40)
#define PGV_THREAD0 (PGV_CONSTS + 48)   /* per-thread words of a tool's own */
#define PGV_SHADOW1 2704                /* offset of the first shadow copy of the state */

extern uint64_t pgv_consts[PGV_N_CONSTS];

/* the configuration Python gave pgv_init */
typedef struct {
    uint64_t mem_base;   /* host address of client address 0 */
    uint64_t page_table; /* one byte per client page */
    uint64_t space_bits; /* client addresses are below 1 << space_bits */
    uint64_t ctx;        /* the JIT's context (exit_kind at offset 0) */
    uint64_t mem_slow;   /* int64 (ctx, addr, size, pc, buf, is_store): 0 ok, 1 fault */
    uint64_t hostaddr;   /* uint64 (ctx, addr, size, write, pc): host address, 0 fault */
    uint64_t cas_slow;   /* int64 (ctx, addr, size, pc, double, buf): 0 ok, 1 fault */
    uint64_t div_fault;  /* int64 (ctx, pc): records SIGFPE */
    uint64_t precise;    /* exact registers: rsp/rbp at memory accesses (0), all at memory
                          * accesses (1), all at each instruction (2) */
    uint64_t p_r, p_w, p_r2, p_w2, p_x, p_wreal; /* page-table bits */
    uint64_t table_bits; /* the dispatch table (ctx->table) has 1 << table_bits entries */
} pgv_config;

extern pgv_config pgv_cfg;

/* the block being built, and the guest instruction being translated */
extern IRSB *pgv_sb;
extern uint64_t pgv_cur_pc;

/* Give up on the block (it goes to the Python tier): why is a PGV_* status. */
enum { PGV_OK, PGV_FAILED, PGV_UNSUPPORTED, PGV_NODECODE, PGV_NOCODE };
__attribute__((noreturn)) void pgv_reject(int why);

/* A tool's pass: the block as lifted (flat IR) -> the block to compile. */
typedef IRSB *(*pgv_pass_fn)(IRSB *in);
extern pgv_pass_fn pgv_tool_pass;
/* A tool's replacement of whole functions: the block to run instead of the client's
 * code at pc (made with pgv_sb = a copy of `lifted` without statements), or NULL. */
typedef IRSB *(*pgv_redirect_fn)(IRSB *lifted, uint64_t pc);
extern pgv_redirect_fn pgv_tool_redirect;

/* The temporary holds a host address: accesses through it are not rewritten. */
void pgv_mark_host(IRTemp t);

/* May the code generator render op (with these arguments)? (see pgv_probe_ops) */
int pgv_op_ok(IROp op);

/* ---- small IR constructors, appending to pgv_sb ------------------------------------ */

static inline IRExpr *c64(uint64_t v) { return IRExpr_Const(IRConst_U64(v)); }
static inline IRExpr *c32(uint32_t v) { return IRExpr_Const(IRConst_U32(v)); }
static inline IRExpr *c8(uint8_t v) { return IRExpr_Const(IRConst_U8(v)); }
static inline IRExpr *rd(IRTemp t) { return IRExpr_RdTmp(t); }
static inline void add(IRStmt *st) { addStmtToIRSB(pgv_sb, st); }
static inline IRExpr *bin(IROp op, IRExpr *a, IRExpr *b) { return IRExpr_Binop(op, a, b); }
static inline IRExpr *un(IROp op, IRExpr *a) { return IRExpr_Unop(op, a); }

static inline IRTemp let(IRType ty, IRExpr *e)
{
    IRTemp t = newIRTemp(pgv_sb->tyenv, ty);
    add(IRStmt_WrTmp(t, e));
    return t;
}

static inline IRTemp let64(IROp op, IRExpr *a, IRExpr *b) { return let(Ity_I64, bin(op, a, b)); }

#endif
