/* Memcheck's native side: what its instrumentation pass (mc_translate.c), its heap
 * (mc_heap.c) and its leak scan (mc_leak.c) share.
 *
 * Shadow memory is 1:1: for every client byte, one byte of V bits (a 1 bit is an
 * undefined bit, as in Valgrind) at vbase + a, and one A byte (0: addressable, else
 * not) at abase + a. Both maps are NORESERVE reservations as large as the client's
 * space; pages never written read as zero, so memory starts addressable and defined
 * (which is what fresh mappings are), and costs nothing until shadowed. Unaddressable
 * bytes also get undefined V bits, so that a partial load over the end of a block (what
 * vectorised string functions do) sees the bytes past the end as undefined without
 * a second test.
 */
#ifndef MC_H
#define MC_H

#include <stdint.h>

#include "pgv.h"

typedef struct {
    uint64_t vbase, abase;  /* host addresses of the V and A maps */
    uint64_t report;        /* int64 cb(kind, a, b, c, d, e): an error, to Python */
    uint64_t grow;          /* int64 cb(size, 0...): client address of new heap memory, 0 */
    uint64_t freelist_vol;  /* bytes of freed blocks kept unusable (--freelist-vol) */
    int64_t malloc_fill;    /* byte new blocks are filled with, or -1 */
    int64_t free_fill;      /* byte freed blocks are filled with, or -1 */
    uint64_t num_callers;   /* frames kept per stack (--num-callers) */
    uint64_t redzone;       /* bytes on each side of a block (--redzone-size) */
    uint64_t pass;          /* 1: instrument blocks (0: heap only, for tests) */
} mc_config;

extern mc_config mc_cfg;

/* kinds of error reported to Python (mc_cfg.report's first argument) */
enum {
    MC_ERR_ADDR = 1,   /* a = address, b = size, c = pc, d = 1 if a write */
    MC_ERR_COND,       /* c = pc */
    MC_ERR_VALUE,      /* b = size, c = pc */
    MC_ERR_FREE,       /* a = address given, c = pc of free, d = kind (see heap) */
    MC_ERR_MISMATCH,   /* a = block, c = pc, d = dealloc kind, e = alloc kind */
    MC_ERR_FISHY,      /* a = value, c = pc, d = which function/argument */
    MC_ERR_JUMP,       /* a = target */
    MC_ERR_OVERLAP,    /* a = dst, b = src, c = pc, d = len, e = function */
};

#define MC_MASK (((uint64_t)1 << pgv_cfg.space_bits) - 1)

/* set the A and V bytes of client [a, a+n) */
void mc_set_range(uint64_t a, uint64_t n, int abyte, int vbyte);
/* the guest state of the thread running now, as the last block entry left it */
int64_t mc_report(uint64_t kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);

/* The shadow call stack: per thread, entries {return address, stack pointer after the
 * call}; the first is a sentinel that never pops. Its words in the guest state: */
#define MC_SS_PTR PGV_THREAD0         /* the next free entry */
#define MC_SS_LIMIT (PGV_THREAD0 + 8) /* the last entry (pushes stop there) */
#define MC_SS_BASE (PGV_THREAD0 + 16) /* the sentinel */

/* A stack trace: [pc, return addresses...] of the thread whose guest state is given,
 * resynchronised with its stack pointer; returns the number of frames (at most max). */
int mc_capture(const uint8_t *state, uint64_t pc, uint64_t *frames, int max);

/* IR (into pgv_sb) that pops the shadow call stack after a return */
void mc_ss_pop(void);

/* function replacement (mc_heap.c) */
IRSB *mc_redirect(IRSB *lifted, uint64_t pc);

#endif
