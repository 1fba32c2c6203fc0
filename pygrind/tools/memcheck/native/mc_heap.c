/* Memcheck's heap: malloc, free, new, delete and kin replaced, natively.
 *
 * The client's allocation functions (found by symbol when their object is mapped, see
 * heap.py) are redirected: the block at such an address is replaced by one that calls
 * mc_heap_call and returns to the caller, so an allocation costs a helper call, never a
 * trip into Python. Blocks live in client memory (regions the core maps for the heap,
 * mc_cfg.grow), with redzones on each side; their records live here, out of the
 * client's reach. Freed blocks wait in a quarantine of --freelist-vol bytes before
 * their memory is used again, so that use after free is found.
 *
 * Allocation and free stacks are taken from the shadow call stack (mc_capture) and kept
 * once each (Valgrind's ExeContexts): an id per distinct stack.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"

/* ---- shadow ranges ---------------------------------------------------------------------- */

void mc_set_range(uint64_t a, uint64_t n, int abyte, int vbyte)
{
    if (n == 0)
        return;
    a &= MC_MASK;
    if (n > MC_MASK + 1 - a)
        n = MC_MASK + 1 - a;
    memset((void *)(uintptr_t)(mc_cfg.abase + a), abyte, n);
    memset((void *)(uintptr_t)(mc_cfg.vbase + a), vbyte, n);
}

/* ---- stacks, once each (ExeContexts) --------------------------------------------------- */

#define MAX_FRAMES 64

static uint64_t *ec_frames;       /* all stacks' frames, back to back */
static uint64_t n_ec_frames, cap_ec_frames;
typedef struct {
    uint64_t first;  /* index in ec_frames */
    uint32_t n;
    uint32_t next;   /* hash chain (index + 1, 0 ends) */
    uint64_t hash;
} ec_rec;
static ec_rec *ecs;
static uint32_t n_ecs, cap_ecs;
#define EC_HASH_BITS 16
static uint32_t ec_hash[1 << EC_HASH_BITS];

static uint32_t ec_intern(const uint64_t *f, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++)
        h = (h ^ f[i]) * 1099511628211ull;
    uint32_t slot = (uint32_t)(h ^ (h >> 32)) & ((1u << EC_HASH_BITS) - 1);
    for (uint32_t i = ec_hash[slot]; i; i = ecs[i - 1].next) {
        ec_rec *e = &ecs[i - 1];
        if (e->hash == h && e->n == (uint32_t)n &&
            memcmp(ec_frames + e->first, f, (size_t)n * 8) == 0)
            return i;
    }
    if (n_ecs == cap_ecs) {
        uint32_t cap = cap_ecs ? 2 * cap_ecs : 4096;
        ec_rec *g = realloc(ecs, cap * sizeof *ecs);
        if (g == NULL)
            return 0;
        ecs = g;
        cap_ecs = cap;
    }
    if (n_ec_frames + (uint64_t)n > cap_ec_frames) {
        uint64_t cap = cap_ec_frames ? 2 * cap_ec_frames : 65536;
        while (cap < n_ec_frames + (uint64_t)n)
            cap *= 2;
        uint64_t *g = realloc(ec_frames, cap * 8);
        if (g == NULL)
            return 0;
        ec_frames = g;
        cap_ec_frames = cap;
    }
    memcpy(ec_frames + n_ec_frames, f, (size_t)n * 8);
    ecs[n_ecs] = (ec_rec){n_ec_frames, (uint32_t)n, ec_hash[slot], h};
    n_ec_frames += (uint64_t)n;
    ec_hash[slot] = ++n_ecs;
    return n_ecs;
}

/* the stack of the thread at `state` now, as an id (0: none) */
static uint32_t ec_here(const uint8_t *state, uint64_t pc)
{
    uint64_t f[MAX_FRAMES];
    int max = mc_cfg.num_callers < MAX_FRAMES ? (int)mc_cfg.num_callers : MAX_FRAMES;
    int n = mc_capture(state, pc, f, max);
    return ec_intern(f, n);
}

/* Frames of stack `id` (for Python): their number, at most max copied. */
int mc_ec_frames(uint32_t id, uint64_t *out, int max)
{
    if (id == 0 || id > n_ecs)
        return 0;
    ec_rec *e = &ecs[id - 1];
    int n = (int)e->n < max ? (int)e->n : max;
    memcpy(out, ec_frames + e->first, (size_t)n * 8);
    return n;
}

/* ---- block records ---------------------------------------------------------------------- */

enum { K_MALLOC, K_NEW, K_NEW_ARRAY }; /* how a block was made, and how it is freed */

typedef struct chunk {
    uint64_t data, size;    /* the block the client sees */
    uint64_t start, total;  /* with redzones and alignment padding */
    uint32_t alloc_ec, free_ec;
    uint8_t kind, freed;
    uint8_t leak_state, pad;
    struct chunk *hnext;    /* live: hash chain; freed: quarantine order */
} chunk;

#define LIVE_HASH_BITS 20
static chunk *live[1 << LIVE_HASH_BITS];
static uint64_t n_live, live_bytes;
static chunk *q_head, *q_tail; /* quarantine, oldest first */
static uint64_t q_bytes;

/* heap statistics, for the HEAP SUMMARY */
uint64_t mc_allocs, mc_frees, mc_bytes_allocated;

static uint32_t live_slot(uint64_t data)
{
    uint64_t h = (data >> 4) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> (64 - LIVE_HASH_BITS));
}

static chunk *find_live(uint64_t data, chunk ***link)
{
    chunk **pp = &live[live_slot(data)];
    for (; *pp; pp = &(*pp)->hnext) {
        if ((*pp)->data == data) {
            if (link)
                *link = pp;
            return *pp;
        }
    }
    return NULL;
}

/* ---- client memory for blocks ------------------------------------------------------------ */

static uint64_t arena_cur, arena_end;
#define ARENA_CHUNK ((uint64_t)64 << 20)
#define N_CLASSES 4096 /* totals up to 64 KiB, by 16 bytes */
static chunk *free_class[N_CLASSES + 1]; /* reusable space (records kept for their extent) */
static chunk *free_big;

static uint64_t grow(uint64_t n)
{
    typedef int64_t (*cb_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
    return (uint64_t)((cb_t)(uintptr_t)mc_cfg.grow)(n, 0, 0, 0, 0, 0);
}

/* client space of `total` bytes (16-aligned); *rec gets a reusable record, or NULL */
static uint64_t get_space(uint64_t total, chunk **rec)
{
    *rec = NULL;
    uint64_t cls = total / 16;
    if (cls <= N_CLASSES && free_class[cls]) {
        chunk *c = free_class[cls];
        free_class[cls] = c->hnext;
        *rec = c;
        return c->start;
    }
    if (cls > N_CLASSES) {
        for (chunk **pp = &free_big; *pp; pp = &(*pp)->hnext) {
            if ((*pp)->total == total) {
                chunk *c = *pp;
                *pp = c->hnext;
                *rec = c;
                return c->start;
            }
        }
    }
    if (arena_end - arena_cur < total) {
        uint64_t want = total > ARENA_CHUNK ? (total + 0xFFFF) & ~(uint64_t)0xFFFF : ARENA_CHUNK;
        uint64_t a = grow(want);
        if (a == 0)
            return 0;
        arena_cur = a;
        arena_end = a + want;
    }
    uint64_t a = arena_cur;
    arena_cur += total;
    return a;
}

static void release(chunk *c)
{
    uint64_t cls = c->total / 16;
    if (cls <= N_CLASSES) {
        c->hnext = free_class[cls];
        free_class[cls] = c;
    } else {
        c->hnext = free_big;
        free_big = c;
    }
}

static uint8_t *host(uint64_t a) { return (uint8_t *)(uintptr_t)(pgv_cfg.mem_base + a); }

static uint64_t round16(uint64_t n) { return (n + 15) & ~(uint64_t)15; }

/* A new block of `size` bytes aligned to `align` (a power of two >= 16); 0 if out of
 * memory. Its bytes are addressable and undefined (or zero and defined: zeroed). */
static uint64_t alloc_block(const uint8_t *state, uint64_t pc, uint64_t size, uint64_t align,
                            int kind, int zeroed)
{
    uint64_t rz = mc_cfg.redzone;
    if (size > ((uint64_t)1 << 40))
        return 0;
    uint64_t total = round16(rz + (align > 16 ? align : 0) + round16(size ? size : 1) + rz);
    chunk *c;
    uint64_t start = get_space(total, &c);
    if (start == 0)
        return 0;
    if (c == NULL) {
        c = malloc(sizeof *c);
        if (c == NULL)
            return 0;
    }
    uint64_t data = (start + rz + align - 1) & ~(align - 1);
    *c = (chunk){.data = data, .size = size, .start = start, .total = total, .kind = (uint8_t)kind};
    c->alloc_ec = ec_here(state, pc);
    mc_set_range(start, total, 0xFF, 0xFF);
    if (zeroed) {
        memset(host(data), 0, size);
        mc_set_range(data, size, 0, 0);
    } else {
        if (mc_cfg.malloc_fill >= 0)
            memset(host(data), (int)mc_cfg.malloc_fill, size);
        mc_set_range(data, size, 0, 0xFF);
    }
    uint32_t s = live_slot(data);
    c->hnext = live[s];
    live[s] = c;
    n_live++;
    live_bytes += size;
    mc_allocs++;
    mc_bytes_allocated += size;
    return data;
}

/* Free the live block c (unlinked from the hash by the caller). */
static void free_block(const uint8_t *state, uint64_t pc, chunk *c)
{
    n_live--;
    live_bytes -= c->size;
    if (mc_cfg.free_fill >= 0)
        memset(host(c->data), (int)mc_cfg.free_fill, c->size);
    mc_set_range(c->data, c->size, 0xFF, 0xFF);
    c->freed = 1;
    c->free_ec = ec_here(state, pc);
    c->hnext = NULL;
    if (q_tail)
        q_tail->hnext = c;
    else
        q_head = c;
    q_tail = c;
    q_bytes += c->size;
    while (q_head && q_bytes > mc_cfg.freelist_vol) {
        chunk *o = q_head;
        q_head = o->hnext;
        if (q_head == NULL)
            q_tail = NULL;
        q_bytes -= o->size;
        o->freed = 2; /* no longer known as a freed block */
        release(o);
    }
}

/* ---- the replaced functions ---------------------------------------------------------- */

enum {
    F_MALLOC, F_CALLOC, F_REALLOC, F_FREE, F_MEMALIGN, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC,
    F_VALLOC, F_PVALLOC, F_USABLE_SIZE, F_NEW, F_NEW_ARRAY, F_NEW_ALIGNED,
    F_NEW_ARRAY_ALIGNED, F_DELETE, F_DELETE_ARRAY, F_REALLOCARRAY, F_NEW_NOTHROW,
    F_NEW_ARRAY_NOTHROW, F_NEW_ALIGNED_NOTHROW, F_NEW_ARRAY_ALIGNED_NOTHROW,
    F_OVERLAP, /* mc_report_overlap of the replaced string functions (client/) */
    F_JUMP,    /* a function replaced by client code elsewhere: jump there */
    N_FUNCS
};

/* which argument a fishy-value report names (Python has the words) */
enum { FISHY_MALLOC_SIZE, FISHY_CALLOC_NMEMB, FISHY_CALLOC_SIZE, FISHY_REALLOC_SIZE,
       FISHY_MEMALIGN_SIZE, FISHY_NEW_SIZE, FISHY_NEW_ARRAY_SIZE, FISHY_POSIX_MEMALIGN_SIZE,
       FISHY_ALIGNED_ALLOC_SIZE, FISHY_VALLOC_SIZE };

static int fishy(uint64_t v, int which, uint64_t pc)
{
    if ((int64_t)v >= 0)
        return 0;
    mc_report(MC_ERR_FISHY, v, 0, pc, (uint64_t)which, 0);
    return 1;
}

static int dealloc_kind(int fn)
{
    return fn == F_DELETE ? K_NEW : fn == F_DELETE_ARRAY ? K_NEW_ARRAY : K_MALLOC;
}

static void do_free(const uint8_t *state, uint64_t pc, uint64_t p, int fn)
{
    if (p == 0)
        return;
    mc_frees++; /* (as Valgrind, invalid frees count too) */
    chunk **link;
    chunk *c = find_live(p, &link);
    if (c == NULL) {
        mc_report(MC_ERR_FREE, p, 0, pc, (uint64_t)fn, 0);
        return;
    }
    int dk = dealloc_kind(fn);
    if (dk != c->kind)
        mc_report(MC_ERR_MISMATCH, p, 0, pc, (uint64_t)fn, c->kind);
    *link = c->hnext;
    free_block(state, pc, c);
}

static uint64_t pow2_at_least(uint64_t a)
{
    uint64_t p = 16;
    while (p < a)
        p <<= 1;
    return p;
}

/* Write a pointer into client memory (posix_memalign's result), if writable. */
static int put_word(uint64_t a, uint64_t v)
{
    const uint8_t *pt = (const uint8_t *)(uintptr_t)pgv_cfg.page_table;
    if (a > MC_MASK - 8 || !(pt[a >> 12] & pgv_cfg.p_wreal) || !(pt[(a + 7) >> 12] & pgv_cfg.p_wreal))
        return 0;
    memcpy(host(a), &v, 8);
    mc_set_range(a, 8, 0, 0);
    return 1;
}

static uint64_t heap_call(const uint8_t *state, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
                          uint64_t a4, uint64_t pc)
{
    switch (fn) {
    case F_OVERLAP:
        mc_report(MC_ERR_OVERLAP, a2, a3, pc, a4, a1);
        return 0;
    case F_MALLOC:
        return fishy(a1, FISHY_MALLOC_SIZE, pc) ? 0 : alloc_block(state, pc, a1, 16, K_MALLOC, 0);
    case F_NEW: case F_NEW_NOTHROW:
        return fishy(a1, FISHY_NEW_SIZE, pc) ? 0 : alloc_block(state, pc, a1, 16, K_NEW, 0);
    case F_NEW_ARRAY: case F_NEW_ARRAY_NOTHROW:
        return fishy(a1, FISHY_NEW_ARRAY_SIZE, pc) ? 0 : alloc_block(state, pc, a1, 16, K_NEW_ARRAY, 0);
    case F_NEW_ALIGNED: case F_NEW_ALIGNED_NOTHROW:
        return fishy(a1, FISHY_NEW_SIZE, pc) ? 0 : alloc_block(state, pc, a1, pow2_at_least(a2), K_NEW, 0);
    case F_NEW_ARRAY_ALIGNED: case F_NEW_ARRAY_ALIGNED_NOTHROW:
        return fishy(a1, FISHY_NEW_ARRAY_SIZE, pc) ? 0
               : alloc_block(state, pc, a1, pow2_at_least(a2), K_NEW_ARRAY, 0);
    case F_CALLOC: {
        if (fishy(a1, FISHY_CALLOC_NMEMB, pc) || fishy(a2, FISHY_CALLOC_SIZE, pc))
            return 0;
        unsigned __int128 n = (unsigned __int128)a1 * a2;
        if (n >> 64)
            return 0;
        return alloc_block(state, pc, (uint64_t)n, 16, K_MALLOC, 1);
    }
    case F_REALLOC: case F_REALLOCARRAY: {
        uint64_t size = a2;
        if (fn == F_REALLOCARRAY) {
            unsigned __int128 n = (unsigned __int128)a2 * a3;
            if (n >> 64)
                return 0;
            size = (uint64_t)n;
        }
        if (fishy(size, FISHY_REALLOC_SIZE, pc))
            return 0;
        if (a1 == 0)
            return alloc_block(state, pc, size, 16, K_MALLOC, 0);
        mc_frees++;
        chunk **link;
        chunk *c = find_live(a1, &link);
        if (c == NULL) {
            mc_report(MC_ERR_FREE, a1, 0, pc, F_REALLOC, 0);
            return 0;
        }
        if (size == 0) { /* glibc's realloc(p, 0): frees p, returns NULL */
            *link = c->hnext;
            free_block(state, pc, c);
            return 0;
        }
        if (c->kind != K_MALLOC)
            mc_report(MC_ERR_MISMATCH, a1, 0, pc, F_REALLOC, c->kind);
        uint64_t n = alloc_block(state, pc, size, 16, K_MALLOC, 0);
        if (n == 0)
            return 0;
        uint64_t keep = size < c->size ? size : c->size;
        memcpy(host(n), host(a1), keep);
        memcpy((void *)(uintptr_t)(mc_cfg.vbase + n), (void *)(uintptr_t)(mc_cfg.vbase + a1), keep);
        /* (alloc_block may have moved the hash chain: find the old block again) */
        c = find_live(a1, &link);
        *link = c->hnext;
        free_block(state, pc, c);
        return n;
    }
    case F_FREE: case F_DELETE: case F_DELETE_ARRAY:
        do_free(state, pc, a1, (int)fn);
        return 0;
    case F_MEMALIGN:
        if (fishy(a2, FISHY_MEMALIGN_SIZE, pc))
            return 0;
        return alloc_block(state, pc, a2, pow2_at_least(a1), K_MALLOC, 0);
    case F_ALIGNED_ALLOC:
        if (fishy(a2, FISHY_ALIGNED_ALLOC_SIZE, pc) || a1 == 0 || (a1 & (a1 - 1)))
            return 0;
        return alloc_block(state, pc, a2, pow2_at_least(a1), K_MALLOC, 0);
    case F_POSIX_MEMALIGN: {
        if (a2 == 0 || (a2 & (a2 - 1)) || a2 % 8)
            return 22; /* EINVAL */
        if (fishy(a3, FISHY_POSIX_MEMALIGN_SIZE, pc))
            return 12;
        uint64_t p = alloc_block(state, pc, a3, pow2_at_least(a2), K_MALLOC, 0);
        if (p == 0)
            return 12; /* ENOMEM */
        if (!put_word(a1, p))
            return 14;
        return 0;
    }
    case F_VALLOC:
        if (fishy(a1, FISHY_VALLOC_SIZE, pc))
            return 0;
        return alloc_block(state, pc, a1, 4096, K_MALLOC, 0);
    case F_PVALLOC:
        if (fishy(a1, FISHY_VALLOC_SIZE, pc))
            return 0;
        return alloc_block(state, pc, (a1 + 4095) & ~(uint64_t)4095, 4096, K_MALLOC, 0);
    case F_USABLE_SIZE: {
        chunk *c = a1 ? find_live(a1, NULL) : NULL;
        return c ? c->size : 0;
    }
    }
    return 0;
}

/* called from the replacement block: the thread's guest state, which function (and its
 * address, in the high bits), and the first three arguments */
static uint64_t mc_heap_call(uint64_t state, uint64_t fn_pc, uint64_t a1, uint64_t a2, uint64_t a3,
                             uint64_t a4)
{
    /* what the stack below the caller's frame holds is dead (the real function's frames
     * would have overwritten it): undefined, so that stale pointers there neither keep
     * leaked blocks reachable nor pass for defined values */
    uint64_t sp;
    memcpy(&sp, (const uint8_t *)(uintptr_t)state + offsetof(VexGuestAMD64State, guest_RSP), 8);
    mc_set_range(sp - 256, 256, 0, 0xFF);
    return heap_call((const uint8_t *)(uintptr_t)state, fn_pc & 0xff, a1, a2, a3, a4, fn_pc >> 8);
}

/* ---- redirection ------------------------------------------------------------------------- */

typedef struct {
    uint64_t pc;
    uint64_t target; /* F_JUMP */
    uint32_t fn;
} redir_rec;
#define REDIR_BITS 12
static redir_rec redirs[1 << REDIR_BITS];
static uint64_t n_redirs;

/* Record a replacement: the function at pc is replaced by `fn` (an F_* value), or by
 * client code at `target` (F_JUMP). */
static int put_redirect(uint64_t pc, uint32_t fn, uint64_t target)
{
    if (n_redirs >= (1u << REDIR_BITS) / 2 || fn >= N_FUNCS || pc == 0)
        return -1;
    uint32_t h = (uint32_t)((pc * 0x9E3779B97F4A7C15ull) >> (64 - REDIR_BITS));
    while (redirs[h].pc != 0 && redirs[h].pc != pc)
        h = (h + 1) & ((1u << REDIR_BITS) - 1);
    if (redirs[h].pc == 0)
        n_redirs++;
    redirs[h] = (redir_rec){pc, target, fn};
    return 0;
}

/* From Python: the function at client address pc is replaced by `fn` (an F_* value). */
int mc_add_redirect(uint64_t pc, uint32_t fn)
{
    return fn == F_JUMP ? -1 : put_redirect(pc, fn, 0);
}

/* From Python: the function at pc is replaced by client code at `target`. */
int mc_add_jump(uint64_t pc, uint64_t target)
{
    return put_redirect(pc, F_JUMP, target);
}

/* From Python: forget the replacements in [lo, hi) (their object was unmapped). */
void mc_drop_redirects(uint64_t lo, uint64_t hi)
{
    redir_rec keep[1 << REDIR_BITS];
    int n = 0;
    for (uint32_t i = 0; i < (1u << REDIR_BITS); i++) {
        if (redirs[i].pc != 0 && (redirs[i].pc < lo || redirs[i].pc >= hi))
            keep[n++] = redirs[i];
    }
    memset(redirs, 0, sizeof redirs);
    n_redirs = 0;
    for (int i = 0; i < n; i++)
        put_redirect(keep[i].pc, keep[i].fn, keep[i].target);
}

static int find_redirect(uint64_t pc, uint64_t *target)
{
    uint32_t h = (uint32_t)((pc * 0x9E3779B97F4A7C15ull) >> (64 - REDIR_BITS));
    while (redirs[h].pc != 0) {
        if (redirs[h].pc == pc) {
            *target = redirs[h].target;
            return (int)redirs[h].fn;
        }
        h = (h + 1) & ((1u << REDIR_BITS) - 1);
    }
    return -1;
}

/* The block that runs instead of a replaced function: RAX = mc_heap_call(...), then a
 * return to the caller (whose address the guest load takes, through the page table). */
IRSB *mc_redirect(IRSB *lifted, uint64_t pc)
{
    uint64_t target = 0;
    int fn = find_redirect(pc, &target);
    if (fn < 0)
        return NULL;
    pgv_sb = deepCopyIRSBExceptStmts(lifted);
    int len = 1;
    for (int i = 0; i < lifted->stmts_used; i++) {
        if (lifted->stmts[i]->tag == Ist_IMark) {
            len = (int)lifted->stmts[i]->Ist.IMark.len;
            break;
        }
    }
    add(IRStmt_IMark(pc, (UInt)len, 0));
    pgv_cur_pc = pc;
    if (fn == F_JUMP) {
        pgv_sb->next = c64(target);
        pgv_sb->jumpkind = Ijk_Boring;
        return pgv_sb;
    }
    const int rax = offsetof(VexGuestAMD64State, guest_RAX);
    const int rsp = offsetof(VexGuestAMD64State, guest_RSP);
    IRExpr *a1 = rd(let(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RDI), Ity_I64)));
    IRExpr *a2 = rd(let(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RSI), Ity_I64)));
    IRExpr *a3 = rd(let(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RDX), Ity_I64)));
    IRExpr *a4 = rd(let(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RCX), Ity_I64)));
    IRTemp r = newIRTemp(pgv_sb->tyenv, Ity_I64);
    IRDirty *d = unsafeIRDirty_1_N(r, 0, "mc_heap_call", (void *)mc_heap_call,
                                   mkIRExprVec_6(IRExpr_GSPTR(), c64((pc << 8) | (uint64_t)fn), a1, a2, a3, a4));
    /* it reads the stack pointer (for the allocation stack) and writes client memory */
    d->nFxState = 1;
    d->fxState[0].fx = Ifx_Read;
    d->fxState[0].offset = rsp;
    d->fxState[0].size = 8;
    d->fxState[0].nRepeats = 0;
    d->fxState[0].repeatLen = 0;
    add(IRStmt_Dirty(d));
    add(IRStmt_Put(rax, rd(r)));
    add(IRStmt_Put(rax + PGV_SHADOW1, c64(0)));
    /* the registers a call may clobber are cleared, as the real function's code would
     * have overwritten them: stale pointers left there (or spilled from there later)
     * would otherwise keep leaked blocks reachable */
    static const int clobbered[] = {
        offsetof(VexGuestAMD64State, guest_RCX), offsetof(VexGuestAMD64State, guest_RDX),
        offsetof(VexGuestAMD64State, guest_RSI), offsetof(VexGuestAMD64State, guest_RDI),
        offsetof(VexGuestAMD64State, guest_R8), offsetof(VexGuestAMD64State, guest_R9),
        offsetof(VexGuestAMD64State, guest_R10), offsetof(VexGuestAMD64State, guest_R11)};
    for (unsigned i = 0; i < sizeof clobbered / sizeof *clobbered; i++) {
        add(IRStmt_Put(clobbered[i], c64(0)));
        add(IRStmt_Put(clobbered[i] + PGV_SHADOW1, c64(0)));
    }
    IRTemp sp = let(Ity_I64, IRExpr_Get(rsp, Ity_I64));
    IRTemp ret = let(Ity_I64, IRExpr_Load(Iend_LE, Ity_I64, rd(sp)));
    add(IRStmt_Put(rsp, rd(let(Ity_I64, bin(Iop_Add64, rd(sp), c64(8))))));
    mc_ss_pop();
    pgv_sb->next = rd(ret);
    pgv_sb->jumpkind = Ijk_Ret;
    return pgv_sb;
}

/* ---- from Python: what the error reports and the summaries need ------------------------ */

typedef struct {
    uint64_t data, size, alloc_ec, free_ec, kind, freed;
} mc_block_info;

static void info_of(const chunk *c, mc_block_info *out)
{
    *out = (mc_block_info){c->data, c->size, c->alloc_ec, c->free_ec, c->kind, c->freed};
}

/* The block (freed ones first, as Valgrind looks) whose extent with its redzones holds
 * client address a: 1 found (in *out), 0 not. */
int mc_describe(uint64_t a, mc_block_info *out)
{
    for (chunk *c = q_head; c; c = c->hnext) {
        if (a >= c->start && a < c->start + c->total) {
            info_of(c, out);
            return 1;
        }
    }
    for (uint32_t s = 0; s < (1u << LIVE_HASH_BITS); s++) {
        for (chunk *c = live[s]; c; c = c->hnext) {
            if (a >= c->start && a < c->start + c->total) {
                info_of(c, out);
                return 1;
            }
        }
    }
    return 0;
}

/* Heap totals: in use (bytes, blocks), allocations, frees, bytes allocated. */
void mc_heap_stats(uint64_t *out)
{
    out[0] = live_bytes;
    out[1] = n_live;
    out[2] = mc_allocs;
    out[3] = mc_frees;
    out[4] = mc_bytes_allocated;
}

/* ---- the leak scan ---------------------------------------------------------------------- */

enum { LK_UNREACHED, LK_INDIRECT, LK_POSSIBLE, LK_REACHABLE };

static chunk **sorted;
static uint64_t n_sorted;
static uint64_t *indirect_bytes;
static uint64_t *work;
static uint64_t n_work;

static int by_data(const void *x, const void *y)
{
    uint64_t a = (*(chunk *const *)x)->data, b = (*(chunk *const *)y)->data;
    return a < b ? -1 : a > b;
}

/* the live block holding client address v ([data, data+size), or data itself for a
 * block of size 0), or -1 */
static int64_t block_of(uint64_t v)
{
    uint64_t lo = 0, hi = n_sorted;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (sorted[mid]->data <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    chunk *c = sorted[lo - 1];
    if (v < c->data + (c->size ? c->size : 1))
        return (int64_t)(lo - 1);
    return -1;
}

static uint64_t clique; /* the block whose clique is being scanned, or UINT64_MAX */

static void found_pointer(uint64_t v)
{
    int64_t i = block_of(v);
    if (i < 0)
        return;
    chunk *c = sorted[i];
    int start = v == c->data;
    if (clique == UINT64_MAX) {
        /* Valgrind's rule: the kind of pointer decides, not how its holder was reached */
        if (c->leak_state == LK_UNREACHED || (c->leak_state == LK_POSSIBLE && start)) {
            c->leak_state = start ? LK_REACHABLE : LK_POSSIBLE;
            work[n_work++] = (uint64_t)i;
        }
    } else if (c->leak_state == LK_UNREACHED && (uint64_t)i != clique) {
        c->leak_state = LK_INDIRECT;
        indirect_bytes[clique] += c->size + indirect_bytes[i];
        indirect_bytes[i] = 0;
        work[n_work++] = (uint64_t)i;
    }
}

/* every aligned, addressable and defined word of client [a, a+n) that points into a block */
static void scan_range(uint64_t a, uint64_t n)
{
    uint64_t end = a + n;
    a = (a + 7) & ~(uint64_t)7;
    const uint8_t *pt = (const uint8_t *)(uintptr_t)pgv_cfg.page_table;
    for (; a + 8 <= end; a += 8) {
        if ((a & 4095) == 0 && !(pt[a >> 12] & pgv_cfg.p_r)) {
            a += 4096 - 8;
            continue;
        }
        if (!(pt[a >> 12] & pgv_cfg.p_r))
            continue;
        uint64_t ab, vb, v;
        memcpy(&ab, (void *)(uintptr_t)(mc_cfg.abase + a), 8);
        memcpy(&vb, (void *)(uintptr_t)(mc_cfg.vbase + a), 8);
        if (ab != 0 || vb != 0)
            continue;
        memcpy(&v, host(a), 8);
        if (v >= sorted[0]->data)
            found_pointer(v);
    }
}

static void drain(void)
{
    while (n_work) {
        chunk *c = sorted[work[--n_work]];
        scan_range(c->data, c->size);
    }
}

/* The leak scan: roots are `n_roots` client ranges (start, length) and `n_words`
 * register values; afterwards mc_leak_block gives each live block's state. Returns the
 * number of live blocks. */
uint64_t mc_leak_scan(const uint64_t *roots, uint64_t n_roots, const uint64_t *words, uint64_t n_words)
{
    free(sorted);
    free(indirect_bytes);
    free(work);
    sorted = malloc((n_live + 1) * sizeof *sorted);
    indirect_bytes = calloc(n_live + 1, sizeof *indirect_bytes);
    work = malloc((n_live + 1) * sizeof *work);
    if (sorted == NULL || indirect_bytes == NULL || work == NULL)
        return 0;
    n_sorted = 0;
    for (uint32_t s = 0; s < (1u << LIVE_HASH_BITS); s++) {
        for (chunk *c = live[s]; c; c = c->hnext) {
            c->leak_state = LK_UNREACHED;
            sorted[n_sorted++] = c;
        }
    }
    if (n_sorted == 0)
        return 0;
    qsort(sorted, n_sorted, sizeof *sorted, by_data);
    n_work = 0;
    clique = UINT64_MAX;
    for (uint64_t i = 0; i < n_words; i++)
        found_pointer(words[i]);
    drain();
    for (uint64_t r = 0; r < n_roots; r++) {
        scan_range(roots[2 * r], roots[2 * r + 1]);
        drain();
    }
    /* what is left unreached: each block not reached from another one leads a clique
     * of the blocks it reaches (indirectly lost) */
    for (uint64_t i = 0; i < n_sorted; i++) {
        if (sorted[i]->leak_state != LK_UNREACHED)
            continue;
        clique = i;
        scan_range(sorted[i]->data, sorted[i]->size);
        while (n_work) {
            chunk *c = sorted[work[--n_work]];
            scan_range(c->data, c->size);
        }
    }
    clique = UINT64_MAX;
    return n_sorted;
}

/* block i of the last scan: [data, size, alloc stack, state (0 definitely lost, 1
 * indirectly, 2 possibly, 3 reachable), bytes it holds indirectly] */
int mc_leak_block(uint64_t i, uint64_t *out)
{
    if (i >= n_sorted)
        return 0;
    chunk *c = sorted[i];
    out[0] = c->data;
    out[1] = c->size;
    out[2] = c->alloc_ec;
    out[3] = c->leak_state;
    out[4] = indirect_bytes[i];
    return 1;
}
