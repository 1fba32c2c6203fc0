/* Memcheck's instrumentation: an IR-to-IR pass in libVEX's pipeline (pgv_tool_pass), as
 * Valgrind's own Memcheck is, so that an instrumented block costs tens of microseconds
 * to make and runs as libVEX's machine code.
 *
 * Every value of the block gets a shadow of V bits (1 = undefined) of the same width:
 * temporaries a shadow temporary, guest registers the first shadow copy of the guest
 * state (offset + PGV_SHADOW1), memory the V map (see mc.h). The rules are those of the
 * Memcheck paper (Seward and Nethercote, 2005), written afresh here:
 *   - UifU (or) for most binary operations; Left (smear to the left) for add, sub and
 *     mul; the "improvement" terms for and/or (a defined 0 of an and, a defined 1 of an
 *     or, decides the bit); the exact rule for ==/!= (a defined bit that differs decides
 *     the result); shifts shift the shadow; data movement (narrowing, widening,
 *     concatenation, interleaving, lane broadcast) moves it;
 *   - PCast (any undefined bit makes the whole result undefined) for everything else,
 *     per lane for lane-wise vector operations;
 *   - blocks holding the constants of word-at-a-time string code (0x0101..., 0x8080...,
 *     0xfefe...: "bogus literals") get the exact rule for add and sub.
 * Errors are reported only where an undefined value is used: a conditional exit, a
 * load or store address, an indirect jump target (and, from Python, syscall
 * arguments). After a complaint, the value counts as defined, so that one mistake is
 * reported once.
 *
 * Each load and store first tests the A map (one load and a test), reporting an
 * invalid access through a call into Python (which may find it a partial load that is
 * allowed, then the V bits are kept; otherwise the loaded value counts as defined, as
 * in Valgrind). Calls and returns also keep the shadow call stack (mc.h) that gives
 * allocation stacks without unwinding.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"

mc_config mc_cfg;

static IRSB *mc_in;
static IRTemp *vsh;  /* shadow temporary of each temporary of the input block */
static int n_vsh;
static IRTemp k_vbase, k_abase;
static int exact_add; /* the block holds bogus literals */

/* ---- types and constants ---------------------------------------------------------- */

static IRType shty(IRType t)
{
    switch (t) {
    case Ity_F16: return Ity_I16;
    case Ity_F32: case Ity_D32: return Ity_I32;
    case Ity_F64: case Ity_D64: return Ity_I64;
    case Ity_F128: case Ity_D128: return Ity_I128;
    default: return t;
    }
}

static IRType type_of(IRExpr *e) { return typeOfIRExpr(pgv_sb->tyenv, e); }

static IRExpr *atom(IRType ty, IRExpr *e) { return rd(let(ty, e)); }

static IRExpr *const_of(IRType t, int ones)
{
    uint64_t w = ones ? ~(uint64_t)0 : 0;
    switch (t) {
    case Ity_I1: return IRExpr_Const(IRConst_U1(ones ? True : False));
    case Ity_I8: return IRExpr_Const(IRConst_U8((UChar)w));
    case Ity_I16: return IRExpr_Const(IRConst_U16((UShort)w));
    case Ity_I32: return IRExpr_Const(IRConst_U32((UInt)w));
    case Ity_I64: return IRExpr_Const(IRConst_U64(w));
    case Ity_I128: return atom(Ity_I128, bin(Iop_64HLto128, c64(w), c64(w)));
    case Ity_V128: return IRExpr_Const(IRConst_V128(ones ? 0xFFFF : 0));
    case Ity_V256: return IRExpr_Const(IRConst_V256(ones ? 0xFFFFFFFFu : 0));
    default: pgv_reject(PGV_UNSUPPORTED);
    }
}

static IRExpr *zero(IRType t) { return const_of(t, 0); }

static int is_zero(IRExpr *e)
{
    if (e->tag != Iex_Const)
        return 0;
    IRConst *c = e->Iex.Const.con;
    switch (c->tag) {
    case Ico_U1: return !c->Ico.U1;
    case Ico_U8: return c->Ico.U8 == 0;
    case Ico_U16: return c->Ico.U16 == 0;
    case Ico_U32: return c->Ico.U32 == 0;
    case Ico_U64: return c->Ico.U64 == 0;
    case Ico_V128: return c->Ico.V128 == 0;
    case Ico_V256: return c->Ico.V256 == 0;
    default: return 0;
    }
}

/* ---- bitwise operations on shadows, by type ------------------------------------------ */

enum { OR, AND, XOR, NOT };

static IROp op_for(int what, IRType t)
{
    static const IROp tbl[4][6] = {
        {Iop_Or8, Iop_Or16, Iop_Or32, Iop_Or64, Iop_OrV128, Iop_OrV256},
        {Iop_And8, Iop_And16, Iop_And32, Iop_And64, Iop_AndV128, Iop_AndV256},
        {Iop_Xor8, Iop_Xor16, Iop_Xor32, Iop_Xor64, Iop_XorV128, Iop_XorV256},
        {Iop_Not8, Iop_Not16, Iop_Not32, Iop_Not64, Iop_NotV128, Iop_NotV256},
    };
    int k;
    switch (t) {
    case Ity_I8: k = 0; break;
    case Ity_I16: k = 1; break;
    case Ity_I32: k = 2; break;
    case Ity_I64: k = 3; break;
    case Ity_V128: k = 4; break;
    case Ity_V256: k = 5; break;
    default: pgv_reject(PGV_UNSUPPORTED);
    }
    return tbl[what][k];
}

static IRExpr *hi64(IRExpr *x) { return atom(Ity_I64, un(Iop_128HIto64, x)); }
static IRExpr *lo64(IRExpr *x) { return atom(Ity_I64, un(Iop_128to64, x)); }

static IRExpr *bitop(int what, IRType t, IRExpr *a, IRExpr *b)
{
    if (t == Ity_I1) {
        /* on 64-bit values: libVEX's code generator handles those best */
        IRExpr *x = atom(Ity_I64, un(Iop_1Uto64, a));
        if (what == NOT)
            return atom(Ity_I1, bin(Iop_CmpEQ64, x, c64(0)));
        IRExpr *y = atom(Ity_I64, un(Iop_1Uto64, b));
        IRExpr *r = atom(Ity_I64, bin(op_for(what, Ity_I64), x, y));
        return atom(Ity_I1, bin(Iop_CmpNE64, r, c64(0)));
    }
    if (t == Ity_I128) {
        IRExpr *h, *l;
        if (what == NOT) {
            h = atom(Ity_I64, un(Iop_Not64, hi64(a)));
            l = atom(Ity_I64, un(Iop_Not64, lo64(a)));
        } else {
            h = atom(Ity_I64, bin(op_for(what, Ity_I64), hi64(a), hi64(b)));
            l = atom(Ity_I64, bin(op_for(what, Ity_I64), lo64(a), lo64(b)));
        }
        return atom(Ity_I128, bin(Iop_64HLto128, h, l));
    }
    if (what == NOT)
        return atom(t, un(op_for(NOT, t), a));
    return atom(t, bin(op_for(what, t), a, b));
}

/* undefined if either is */
static IRExpr *uifu(IRType t, IRExpr *a, IRExpr *b)
{
    if (is_zero(a))
        return b;
    if (is_zero(b))
        return a;
    return bitop(OR, t, a, b);
}

/* defined if both are */
static IRExpr *difd(IRType t, IRExpr *a, IRExpr *b) { return bitop(AND, t, a, b); }

/* I1: is any bit of v undefined? */
static IRExpr *any_undef(IRType t, IRExpr *v)
{
    if (is_zero(v))
        return zero(Ity_I1);
    switch (t) {
    case Ity_I1: return v;
    case Ity_I8: return atom(Ity_I1, bin(Iop_CmpNE64, atom(Ity_I64, un(Iop_8Uto64, v)), c64(0)));
    case Ity_I16: return atom(Ity_I1, bin(Iop_CmpNE64, atom(Ity_I64, un(Iop_16Uto64, v)), c64(0)));
    case Ity_I32: return atom(Ity_I1, bin(Iop_CmpNE32, v, c32(0)));
    case Ity_I64: return atom(Ity_I1, bin(Iop_CmpNE64, v, c64(0)));
    case Ity_I128: return any_undef(Ity_I64, atom(Ity_I64, bin(Iop_Or64, hi64(v), lo64(v))));
    case Ity_V128: {
        IRExpr *h = atom(Ity_I64, un(Iop_V128HIto64, v));
        IRExpr *l = atom(Ity_I64, un(Iop_V128to64, v));
        return any_undef(Ity_I64, atom(Ity_I64, bin(Iop_Or64, h, l)));
    }
    case Ity_V256: {
        IRExpr *h = atom(Ity_V128, un(Iop_V256toV128_1, v));
        IRExpr *l = atom(Ity_V128, un(Iop_V256toV128_0, v));
        return any_undef(Ity_V128, atom(Ity_V128, bin(Iop_OrV128, h, l)));
    }
    default: pgv_reject(PGV_UNSUPPORTED);
    }
}

/* all ones of type t if b (I1) holds, else all zeros */
static IRExpr *smear(IRType t, IRExpr *b)
{
    if (is_zero(b))
        return zero(t);
    switch (t) {
    case Ity_I1: return b;
    case Ity_I8: return atom(t, un(Iop_1Sto8, b));
    case Ity_I16: return atom(t, un(Iop_1Sto16, b));
    case Ity_I32: return atom(t, un(Iop_1Sto32, b));
    case Ity_I64: return atom(t, un(Iop_1Sto64, b));
    case Ity_I128: {
        IRExpr *w = smear(Ity_I64, b);
        return atom(t, bin(Iop_64HLto128, w, w));
    }
    case Ity_V128: {
        IRExpr *w = smear(Ity_I64, b);
        return atom(t, bin(Iop_64HLtoV128, w, w));
    }
    case Ity_V256: {
        IRExpr *w = smear(Ity_V128, b);
        return atom(t, bin(Iop_V128HLtoV256, w, w));
    }
    default: pgv_reject(PGV_UNSUPPORTED);
    }
}

/* PCast: wholly undefined (as type `to`) if any bit of v (of type `from`) is */
static IRExpr *pcast(IRType to, IRType from, IRExpr *v)
{
    if (is_zero(v))
        return zero(to);
    return smear(to, any_undef(from, v));
}

/* Left: undefined from the lowest undefined bit upwards (carries of add/sub/mul) */
static IRExpr *left(IRType t, IRExpr *v)
{
    if (is_zero(v))
        return v;
    switch (t) {
    case Ity_I8: return atom(t, un(Iop_Left8, v));
    case Ity_I16: return atom(t, un(Iop_Left16, v));
    case Ity_I32: return atom(t, un(Iop_Left32, v));
    case Ity_I64: return atom(t, un(Iop_Left64, v));
    default: return pcast(t, t, v);
    }
}

/* PCast of each lane of a V128 (lanes of `bits` bits) */
static IRExpr *pcast_lanes(int bits, IRExpr *v)
{
    if (is_zero(v))
        return v;
    switch (bits) {
    case 8: return atom(Ity_V128, un(Iop_CmpNEZ8x16, v));
    case 16: return atom(Ity_V128, un(Iop_CmpNEZ16x8, v));
    case 32: return atom(Ity_V128, un(Iop_CmpNEZ32x4, v));
    case 64: return atom(Ity_V128, un(Iop_CmpNEZ64x2, v));
    default: return pcast(Ity_V128, Ity_V128, v);
    }
}

static IRExpr *widen64(IRType t, IRExpr *x)
{
    switch (t) {
    case Ity_I8: return atom(Ity_I64, un(Iop_8Uto64, x));
    case Ity_I16: return atom(Ity_I64, un(Iop_16Uto64, x));
    case Ity_I32: return atom(Ity_I64, un(Iop_32Uto64, x));
    case Ity_I64: return x;
    default: pgv_reject(PGV_UNSUPPORTED);
    }
}

/* ---- shadows of atoms and expressions --------------------------------------------------- */

static IRExpr *vatom(IRExpr *a)
{
    if (a->tag == Iex_Const)
        return zero(shty(type_of(a)));
    if (a->tag != Iex_RdTmp)
        pgv_reject(PGV_UNSUPPORTED);
    IRTemp t = a->Iex.RdTmp.tmp;
    if ((int)t >= n_vsh || vsh[t] == IRTemp_INVALID)
        return zero(shty(type_of(a)));
    return rd(vsh[t]);
}

/* lazy: the result is wholly undefined if any bit of any argument is */
static IRExpr *lazy(IRType rty, IRExpr **args, int n, UInt mask)
{
    IRExpr *acc = zero(Ity_I1);
    for (int i = 0; i < n; i++) {
        if (mask & (1u << i))
            continue; /* (an argument the helper's result does not depend on) */
        IRExpr *v = vatom(args[i]);
        if (is_zero(v))
            continue;
        IRExpr *u = any_undef(shty(type_of(args[i])), v);
        acc = is_zero(acc) ? u : bitop(OR, Ity_I1, acc, u);
    }
    return smear(shty(rty), acc);
}

/* a == b (or !=) is defined when a bit defined in both differs, whatever the rest */
static IRExpr *exact_eq(IRType t, IRExpr *a, IRExpr *b, IRExpr *va, IRExpr *vb)
{
    IRExpr *vec = uifu(t, va, vb);
    if (is_zero(vec))
        return zero(Ity_I1);
    IRExpr *v64 = widen64(t, vec);
    IRExpr *x = atom(Ity_I64, bin(Iop_Xor64, widen64(t, a), widen64(t, b)));
    IRExpr *diff = atom(Ity_I64, bin(Iop_And64, x, atom(Ity_I64, un(Iop_Not64, v64))));
    IRExpr *undecided = atom(Ity_I64, un(Iop_1Sto64, atom(Ity_I1, bin(Iop_CmpEQ64, diff, c64(0)))));
    IRExpr *r = atom(Ity_I64, bin(Iop_And64, v64, undecided));
    return atom(Ity_I1, bin(Iop_CmpNE64, r, c64(0)));
}

/* the exact rule for add/sub (blocks with bogus literals): the result bits that can
 * differ between the smallest and largest values the operands may have */
static IRExpr *exact_addsub(IRType t, int sub, IRExpr *a, IRExpr *b, IRExpr *va, IRExpr *vb)
{
    IROp add = t == Ity_I32 ? (sub ? Iop_Sub32 : Iop_Add32) : (sub ? Iop_Sub64 : Iop_Add64);
    IRExpr *amin = difd(t, a, bitop(NOT, t, va, NULL));
    IRExpr *bmin = difd(t, b, bitop(NOT, t, vb, NULL));
    IRExpr *amax = bitop(OR, t, a, va);
    IRExpr *bmax = bitop(OR, t, b, vb);
    IRExpr *lo = atom(t, bin(add, amin, sub ? bmax : bmin));
    IRExpr *hi = atom(t, bin(add, amax, sub ? bmin : bmax));
    return uifu(t, uifu(t, va, vb), bitop(XOR, t, lo, hi));
}

/* lane width of a lane-wise V128 operation (0: not one) */
static int lanes_of(IROp op)
{
    switch (op) {
    case Iop_Add8x16: case Iop_Sub8x16: case Iop_QAdd8Ux16: case Iop_QAdd8Sx16:
    case Iop_QSub8Ux16: case Iop_QSub8Sx16: case Iop_CmpEQ8x16: case Iop_CmpGT8Sx16:
    case Iop_CmpGT8Ux16: case Iop_Max8Ux16: case Iop_Max8Sx16: case Iop_Min8Ux16:
    case Iop_Min8Sx16: case Iop_Avg8Ux16: case Iop_Avg8Sx16: case Iop_Mul8x16:
        return 8;
    case Iop_Add16x8: case Iop_Sub16x8: case Iop_QAdd16Ux8: case Iop_QAdd16Sx8:
    case Iop_QSub16Ux8: case Iop_QSub16Sx8: case Iop_CmpEQ16x8: case Iop_CmpGT16Sx8:
    case Iop_CmpGT16Ux8: case Iop_Max16Ux8: case Iop_Max16Sx8: case Iop_Min16Ux8:
    case Iop_Min16Sx8: case Iop_Avg16Ux8: case Iop_Avg16Sx8: case Iop_Mul16x8:
    case Iop_MulHi16Ux8: case Iop_MulHi16Sx8:
        return 16;
    case Iop_Add32x4: case Iop_Sub32x4: case Iop_QAdd32Ux4: case Iop_QAdd32Sx4:
    case Iop_QSub32Ux4: case Iop_QSub32Sx4: case Iop_CmpEQ32x4: case Iop_CmpGT32Sx4:
    case Iop_CmpGT32Ux4: case Iop_Max32Ux4: case Iop_Max32Sx4: case Iop_Min32Ux4:
    case Iop_Min32Sx4: case Iop_Mul32x4: case Iop_MulHi32Ux4: case Iop_MulHi32Sx4:
    case Iop_Max32Fx4: case Iop_Min32Fx4: case Iop_CmpEQ32Fx4: case Iop_CmpLT32Fx4:
    case Iop_CmpLE32Fx4: case Iop_CmpUN32Fx4:
        return 32;
    case Iop_Add64x2: case Iop_Sub64x2: case Iop_CmpEQ64x2: case Iop_CmpGT64Sx2:
    case Iop_CmpGT64Ux2: case Iop_Max64Fx2: case Iop_Min64Fx2: case Iop_CmpEQ64Fx2:
    case Iop_CmpLT64Fx2: case Iop_CmpLE64Fx2: case Iop_CmpUN64Fx2:
        return 64;
    default:
        return 0;
    }
}

/* the scalar-lane SSE operations: lane 0 from both, the rest from the first */
static int low_lane_of(IROp op)
{
    switch (op) {
    case Iop_Max32F0x4: case Iop_Min32F0x4: case Iop_CmpEQ32F0x4: case Iop_CmpLT32F0x4:
    case Iop_CmpLE32F0x4: case Iop_CmpUN32F0x4: case Iop_Add32F0x4: case Iop_Sub32F0x4:
    case Iop_Mul32F0x4: case Iop_Div32F0x4:
        return 32;
    case Iop_Max64F0x2: case Iop_Min64F0x2: case Iop_CmpEQ64F0x2: case Iop_CmpLT64F0x2:
    case Iop_CmpLE64F0x2: case Iop_CmpUN64F0x2: case Iop_Add64F0x2: case Iop_Sub64F0x2:
    case Iop_Mul64F0x2: case Iop_Div64F0x2:
        return 64;
    default:
        return 0;
    }
}

static IRExpr *low_lane(int bits, IRExpr *v)
{
    if (is_zero(v))
        return v;
    if (bits == 32) {
        IRExpr *l = atom(Ity_I32, un(Iop_V128to32, v));
        return atom(Ity_V128, bin(Iop_SetV128lo32, v, pcast(Ity_I32, Ity_I32, l)));
    }
    IRExpr *l = atom(Ity_I64, un(Iop_V128to64, v));
    return atom(Ity_V128, bin(Iop_SetV128lo64, v, pcast(Ity_I64, Ity_I64, l)));
}

static IRExpr *sh_binop(IROp op, IRExpr *a, IRExpr *b, IRType rty)
{
    IRExpr *va = vatom(a), *vb = vatom(b);
    IRType t = shty(rty);
    int lw;
    switch (op) {
    case Iop_Add32: case Iop_Add64: case Iop_Sub32: case Iop_Sub64:
        if (exact_add && !(is_zero(va) && is_zero(vb)))
            return exact_addsub(t, op == Iop_Sub32 || op == Iop_Sub64, a, b, va, vb);
        return left(t, uifu(t, va, vb));
    case Iop_Add8: case Iop_Add16: case Iop_Sub8: case Iop_Sub16:
    case Iop_Mul8: case Iop_Mul16: case Iop_Mul32: case Iop_Mul64:
        return left(t, uifu(t, va, vb));
    case Iop_And8: case Iop_And16: case Iop_And32: case Iop_And64:
    case Iop_AndV128: case Iop_AndV256:
    case Iop_Or8: case Iop_Or16: case Iop_Or32: case Iop_Or64:
    case Iop_OrV128: case Iop_OrV256: {
        if (is_zero(va) && is_zero(vb))
            return zero(t);
        int is_and = op == Iop_And8 || op == Iop_And16 || op == Iop_And32 || op == Iop_And64 ||
                     op == Iop_AndV128 || op == Iop_AndV256;
        /* a bit of the result is defined if both inputs' are, or if one input has a
         * defined 0 (and) / 1 (or) there */
        IRExpr *ia = is_and ? bitop(OR, t, a, va) : bitop(OR, t, bitop(NOT, t, a, NULL), va);
        IRExpr *ib = is_and ? bitop(OR, t, b, vb) : bitop(OR, t, bitop(NOT, t, b, NULL), vb);
        return difd(t, uifu(t, va, vb), difd(t, ia, ib));
    }
    case Iop_And1: case Iop_Or1:
        return uifu(Ity_I1, va, vb);
    case Iop_Xor8: case Iop_Xor16: case Iop_Xor32: case Iop_Xor64:
    case Iop_XorV128: case Iop_XorV256:
        return uifu(t, va, vb);
    case Iop_Shl8: case Iop_Shl16: case Iop_Shl32: case Iop_Shl64:
    case Iop_Shr8: case Iop_Shr16: case Iop_Shr32: case Iop_Shr64:
    case Iop_Sar8: case Iop_Sar16: case Iop_Sar32: case Iop_Sar64:
    case Iop_ShlN8x16: case Iop_ShlN16x8: case Iop_ShlN32x4: case Iop_ShlN64x2:
    case Iop_ShrN8x16: case Iop_ShrN16x8: case Iop_ShrN32x4: case Iop_ShrN64x2:
    case Iop_SarN8x16: case Iop_SarN16x8: case Iop_SarN32x4: case Iop_SarN64x2:
    case Iop_ShlV128: case Iop_ShrV128: {
        IRExpr *moved = is_zero(va) ? va : atom(t, bin(op, va, b));
        return uifu(t, moved, pcast(t, Ity_I8, vb));
    }
    case Iop_CmpEQ8: case Iop_CmpEQ16: case Iop_CmpEQ32: case Iop_CmpEQ64:
    case Iop_CmpNE8: case Iop_CmpNE16: case Iop_CmpNE32: case Iop_CmpNE64:
    case Iop_CasCmpEQ8: case Iop_CasCmpEQ16: case Iop_CasCmpEQ32: case Iop_CasCmpEQ64:
    case Iop_CasCmpNE8: case Iop_CasCmpNE16: case Iop_CasCmpNE32: case Iop_CasCmpNE64:
    case Iop_ExpCmpNE8: case Iop_ExpCmpNE16: case Iop_ExpCmpNE32: case Iop_ExpCmpNE64:
        return exact_eq(shty(type_of(a)), a, b, va, vb);
    case Iop_8HLto16: case Iop_16HLto32: case Iop_32HLto64: case Iop_64HLto128:
    case Iop_64HLtoV128: case Iop_V128HLtoV256: case Iop_SetV128lo32: case Iop_SetV128lo64:
    case Iop_InterleaveHI8x16: case Iop_InterleaveHI16x8: case Iop_InterleaveHI32x4:
    case Iop_InterleaveHI64x2: case Iop_InterleaveLO8x16: case Iop_InterleaveLO16x8:
    case Iop_InterleaveLO32x4: case Iop_InterleaveLO64x2:
        if (is_zero(va) && is_zero(vb))
            return zero(t);
        return atom(t, bin(op, va, vb));
    case Iop_QNarrowBin16Sto8Ux16: case Iop_QNarrowBin16Sto8Sx16:
        /* narrowing a lane of all ones keeps all ones only with signed saturation */
        return atom(t, bin(Iop_QNarrowBin16Sto8Sx16, pcast_lanes(16, va), pcast_lanes(16, vb)));
    case Iop_QNarrowBin32Sto16Ux8: case Iop_QNarrowBin32Sto16Sx8:
        return atom(t, bin(Iop_QNarrowBin32Sto16Sx8, pcast_lanes(32, va), pcast_lanes(32, vb)));
    case Iop_Perm8x16: {
        IRExpr *moved = is_zero(va) ? va : atom(t, bin(op, va, b));
        return uifu(t, moved, pcast_lanes(8, vb));
    }
    default:
        break;
    }
    if ((lw = lanes_of(op)) != 0)
        return pcast_lanes(lw, uifu(Ity_V128, va, vb));
    if ((lw = low_lane_of(op)) != 0)
        return low_lane(lw, uifu(Ity_V128, va, vb));
    IRExpr *args[2] = {a, b};
    return lazy(rty, args, 2, 0);
}

static IRExpr *sh_unop(IROp op, IRExpr *a, IRType rty)
{
    IRExpr *va = vatom(a);
    IRType t = shty(rty);
    switch (op) {
    case Iop_Not1: case Iop_Not8: case Iop_Not16: case Iop_Not32: case Iop_Not64:
    case Iop_NotV128: case Iop_NotV256:
    case Iop_ReinterpF64asI64: case Iop_ReinterpI64asF64:
    case Iop_ReinterpF32asI32: case Iop_ReinterpI32asF32:
        return va;
    case Iop_8Uto16: case Iop_8Uto32: case Iop_8Uto64: case Iop_16Uto32: case Iop_16Uto64:
    case Iop_32Uto64: case Iop_8Sto16: case Iop_8Sto32: case Iop_8Sto64: case Iop_16Sto32:
    case Iop_16Sto64: case Iop_32Sto64: case Iop_64to32: case Iop_64to16: case Iop_64to8:
    case Iop_32to16: case Iop_32to8: case Iop_16to8: case Iop_64HIto32: case Iop_32HIto16:
    case Iop_16HIto8: case Iop_128to64: case Iop_128HIto64: case Iop_V128to64:
    case Iop_V128HIto64: case Iop_V128to32: case Iop_32UtoV128: case Iop_64UtoV128:
    case Iop_V256toV128_0: case Iop_V256toV128_1: case Iop_1Uto8: case Iop_1Uto32:
    case Iop_1Uto64: case Iop_1Sto8: case Iop_1Sto16: case Iop_1Sto32: case Iop_1Sto64:
    case Iop_32to1: case Iop_64to1: case Iop_Dup8x16: case Iop_Dup16x8: case Iop_Dup32x4:
    case Iop_GetMSBs8x16: case Iop_CmpNEZ8x16: case Iop_CmpNEZ16x8: case Iop_CmpNEZ32x4:
    case Iop_CmpNEZ64x2:
        if (is_zero(va))
            return zero(t);
        return atom(t, un(op, va));
    case Iop_CtzNat64: case Iop_CtzNat32: {
        /* only the bits up to the lowest set one matter */
        IRType at = shty(type_of(a));
        if (is_zero(va))
            return zero(t);
        IRExpr *x = widen64(at, a), *v = widen64(at, va);
        IRExpr *below = atom(Ity_I64, bin(Iop_Xor64, x, atom(Ity_I64, bin(Iop_Sub64, x, c64(1)))));
        return pcast(t, Ity_I64, atom(Ity_I64, bin(Iop_And64, v, below)));
    }
    default:
        break;
    }
    return pcast(t, shty(type_of(a)), va);
}

static IRExpr *sh_expr(IRExpr *e)
{
    IRType ty = type_of(e);
    switch (e->tag) {
    case Iex_Const:
    case Iex_RdTmp:
        return vatom(e);
    case Iex_Get:
        return atom(shty(ty), IRExpr_Get(e->Iex.Get.offset + PGV_SHADOW1, shty(ty)));
    case Iex_GetI: {
        IRRegArray *d = e->Iex.GetI.descr;
        IRRegArray *sd = mkIRRegArray(d->base + PGV_SHADOW1, shty(d->elemTy), d->nElems);
        return atom(shty(ty), IRExpr_GetI(sd, e->Iex.GetI.ix, e->Iex.GetI.bias));
    }
    case Iex_Unop:
        return sh_unop(e->Iex.Unop.op, e->Iex.Unop.arg, ty);
    case Iex_Binop:
        return sh_binop(e->Iex.Binop.op, e->Iex.Binop.arg1, e->Iex.Binop.arg2, ty);
    case Iex_Triop: {
        IRTriop *x = e->Iex.Triop.details;
        switch (x->op) {
        case Iop_Add32Fx4: case Iop_Sub32Fx4: case Iop_Mul32Fx4: case Iop_Div32Fx4:
            return uifu(Ity_V128, pcast_lanes(32, uifu(Ity_V128, vatom(x->arg2), vatom(x->arg3))),
                        pcast(Ity_V128, Ity_I32, vatom(x->arg1)));
        case Iop_Add64Fx2: case Iop_Sub64Fx2: case Iop_Mul64Fx2: case Iop_Div64Fx2:
            return uifu(Ity_V128, pcast_lanes(64, uifu(Ity_V128, vatom(x->arg2), vatom(x->arg3))),
                        pcast(Ity_V128, Ity_I32, vatom(x->arg1)));
        default: {
            IRExpr *args[3] = {x->arg1, x->arg2, x->arg3};
            return lazy(ty, args, 3, 0);
        }
        }
    }
    case Iex_Qop: {
        IRQop *x = e->Iex.Qop.details;
        IRExpr *args[4] = {x->arg1, x->arg2, x->arg3, x->arg4};
        return lazy(ty, args, 4, 0);
    }
    case Iex_ITE: {
        IRExpr *vt = vatom(e->Iex.ITE.iftrue), *vf = vatom(e->Iex.ITE.iffalse);
        IRExpr *moved = is_zero(vt) && is_zero(vf)
                            ? zero(shty(ty))
                            : atom(shty(ty), IRExpr_ITE(e->Iex.ITE.cond, vt, vf));
        return uifu(shty(ty), moved, pcast(shty(ty), Ity_I1, vatom(e->Iex.ITE.cond)));
    }
    case Iex_CCall: {
        int n = 0;
        while (e->Iex.CCall.args[n])
            n++;
        return lazy(ty, e->Iex.CCall.args, n, e->Iex.CCall.cee->mcx_mask);
    }
    default:
        pgv_reject(PGV_UNSUPPORTED);
    }
}

/* ---- complaints and memory -------------------------------------------------------------- */

#define INFO(kind, n) (pgv_cur_pc | ((uint64_t)(n) << 48) | ((uint64_t)(kind) << 56))

static uint64_t mc_uninit(uint64_t info)
{
    uint64_t pc = info & (((uint64_t)1 << 48) - 1), n = (info >> 48) & 0xff;
    return (uint64_t)mc_report(info >> 56, 0, n, pc, 0, 0);
}

/* Report (kind, with size n) if shadow v of atom `orig` has an undefined bit; the
 * atom then counts as defined. */
static void complain(IRExpr *orig, int kind, int n)
{
    IRExpr *v = vatom(orig);
    if (is_zero(v))
        return;
    IRExpr *bad = any_undef(shty(type_of(orig)), v);
    IRTemp r = newIRTemp(pgv_sb->tyenv, Ity_I64);
    IRDirty *d = unsafeIRDirty_1_N(r, 0, "mc_uninit", (void *)mc_uninit,
                                   mkIRExprVec_1(c64(INFO(kind, n))));
    d->guard = bad;
    add(IRStmt_Dirty(d));
    if (orig->tag == Iex_RdTmp)
        vsh[orig->Iex.RdTmp.tmp] = IRTemp_INVALID;
}

/* host address, in map `base`, of the shadow of client address a */
static IRExpr *shadow_addr(IRTemp base, IRExpr *a, int off)
{
    IRExpr *m = atom(Ity_I64, bin(Iop_And64, a, c64(MC_MASK)));
    IRTemp h = let(Ity_I64, bin(Iop_Add64, m, rd(base)));
    if (off) {
        h = let(Ity_I64, bin(Iop_Add64, rd(h), c64((uint64_t)off)));
    }
    pgv_mark_host(h);
    return rd(h);
}

static IRExpr *host_load(IRType ty, IRExpr *ha)
{
    return atom(ty, IRExpr_Load(Iend_LE, ty, ha));
}

static uint64_t mc_addr_error(uint64_t a, uint64_t info)
{
    uint64_t pc = info & (((uint64_t)1 << 48) - 1), n = (info >> 48) & 0xff;
    int write = (info >> 56) & 1;
    /* an aligned word or vector load reaching partly past the end of a block is
     * allowed (--partial-loads-ok=yes, Valgrind's default): string functions do it */
    if (!write && n >= 4 && (a & (n - 1)) == 0) {
        const uint8_t *ab = (const uint8_t *)(uintptr_t)(mc_cfg.abase + (a & MC_MASK));
        for (uint64_t i = 0; i < n; i++) {
            if (ab[i] == 0)
                return 1;
        }
    }
    mc_report(MC_ERR_ADDR, a, n, pc, (uint64_t)write, 0);
    return 0;
}

/* I1: is any byte of [a, a+n) unaddressable? Reports it (a call into Python); for a
 * load, *keep gets an I64 that is 0 when the loaded V bits are to be ignored. */
static void check_addr(IRExpr *a, int n, int write, IRExpr **keep)
{
    IRExpr *x;
    switch (n) {
    case 1: x = atom(Ity_I64, un(Iop_8Uto64, host_load(Ity_I8, shadow_addr(k_abase, a, 0)))); break;
    case 2: x = atom(Ity_I64, un(Iop_16Uto64, host_load(Ity_I16, shadow_addr(k_abase, a, 0)))); break;
    case 4: x = atom(Ity_I64, un(Iop_32Uto64, host_load(Ity_I32, shadow_addr(k_abase, a, 0)))); break;
    case 8: x = host_load(Ity_I64, shadow_addr(k_abase, a, 0)); break;
    case 16: case 32:
        x = host_load(Ity_I64, shadow_addr(k_abase, a, 0));
        for (int off = 8; off < n; off += 8)
            x = atom(Ity_I64, bin(Iop_Or64, x, host_load(Ity_I64, shadow_addr(k_abase, a, off))));
        break;
    default:
        pgv_reject(PGV_UNSUPPORTED);
    }
    IRExpr *bad = atom(Ity_I1, bin(Iop_CmpNE64, x, c64(0)));
    IRTemp r = newIRTemp(pgv_sb->tyenv, Ity_I64);
    IRDirty *d = unsafeIRDirty_1_N(r, 0, "mc_addr_error", (void *)mc_addr_error,
                                   mkIRExprVec_2(a, c64(INFO(write, n))));
    d->guard = bad;
    add(IRStmt_Dirty(d));
    if (keep != NULL)
        *keep = atom(Ity_I64, IRExpr_ITE(bad, rd(r), c64(1)));
}

static void do_load(IRTemp dst, IRExpr *e)
{
    IRType ty = e->Iex.Load.ty, sty = shty(ty);
    IRExpr *a = e->Iex.Load.addr;
    int n = sizeofIRType(ty);
    complain(a, MC_ERR_VALUE, 8);
    IRExpr *keep = NULL;
    check_addr(a, n, 0, &keep);
    add(IRStmt_WrTmp(dst, e));
    IRExpr *v = host_load(sty, shadow_addr(k_vbase, a, 0));
    IRExpr *kept = atom(Ity_I1, bin(Iop_CmpNE64, keep, c64(0)));
    vsh[dst] = let(sty, IRExpr_ITE(kept, v, zero(sty)));
}

static void do_store(IRStmt *st)
{
    IRExpr *a = st->Ist.Store.addr, *data = st->Ist.Store.data;
    int n = sizeofIRType(type_of(data));
    complain(a, MC_ERR_VALUE, 8);
    check_addr(a, n, 1, NULL);
    add(st);
    add(IRStmt_Store(Iend_LE, shadow_addr(k_vbase, a, 0), vatom(data)));
}

static IROp cmpeq_of(IRType t)
{
    switch (t) {
    case Ity_I8: return Iop_CmpEQ8;
    case Ity_I16: return Iop_CmpEQ16;
    case Ity_I32: return Iop_CmpEQ32;
    default: return Iop_CmpEQ64;
    }
}

/* CAS: the old value's shadow is loaded before it; the new one is stored if the swap
 * happened (one client thread runs at a time, so this is not racy) */
static void do_cas(IRStmt *st)
{
    IRCAS *c = st->Ist.CAS.details;
    IRType ty = type_of(c->expdLo);
    int sz = sizeofIRType(ty), dbl = c->oldHi != IRTemp_INVALID;
    complain(c->addr, MC_ERR_VALUE, 8);
    check_addr(c->addr, sz * (dbl ? 2 : 1), 1, NULL);
    IRExpr *vlo = host_load(ty, shadow_addr(k_vbase, c->addr, 0));
    IRExpr *vhi = dbl ? host_load(ty, shadow_addr(k_vbase, c->addr, sz)) : NULL;
    add(st);
    IRExpr *ok = atom(Ity_I1, bin(cmpeq_of(ty), rd(c->oldLo), c->expdLo));
    if (dbl)
        ok = bitop(AND, Ity_I1, ok, atom(Ity_I1, bin(cmpeq_of(ty), rd(c->oldHi), c->expdHi)));
    IRExpr *nlo = atom(ty, IRExpr_ITE(ok, vatom(c->dataLo), vlo));
    add(IRStmt_Store(Iend_LE, shadow_addr(k_vbase, c->addr, 0), nlo));
    vsh[c->oldLo] = vlo->Iex.RdTmp.tmp;
    if (dbl) {
        IRExpr *nhi = atom(ty, IRExpr_ITE(ok, vatom(c->dataHi), vhi));
        add(IRStmt_Store(Iend_LE, shadow_addr(k_vbase, c->addr, sz), nhi));
        vsh[c->oldHi] = vhi->Iex.RdTmp.tmp;
    }
}

/* memory a dirty helper wrote (FXSAVE, XSAVE, x87 stores): defined */
static uint64_t mc_dirty_wrote(uint64_t a, uint64_t n)
{
    mc_set_range(a & MC_MASK, n, 0, 0);
    return 0;
}

static void do_dirty(IRStmt *st)
{
    IRDirty *d = st->Ist.Dirty.details;
    if (d->guard != NULL && d->guard->tag == Iex_RdTmp)
        complain(d->guard, MC_ERR_COND, 0);
    if (d->mFx != Ifx_None && d->mAddr != NULL)
        complain(d->mAddr, MC_ERR_VALUE, 8);
    add(st);
    /* what it writes counts as defined: the helpers pygrind runs (CPUID, RDTSC, x87 and
     * XSAVE state) make their results from defined state almost always; a partial
     * rule (undefined x87 values lose their V bits through an FSTP) */
    if (d->tmp != IRTemp_INVALID)
        vsh[d->tmp] = IRTemp_INVALID;
    for (int i = 0; i < d->nFxState; i++) {
        if (d->fxState[i].fx == Ifx_Read)
            continue;
        for (int r = 0; r <= d->fxState[i].nRepeats; r++) {
            int off = d->fxState[i].offset + r * d->fxState[i].repeatLen;
            for (int k = 0; k + 8 <= d->fxState[i].size; k += 8)
                add(IRStmt_Put(off + k + PGV_SHADOW1, c64(0)));
            for (int k = d->fxState[i].size & ~7; k < d->fxState[i].size; k++)
                add(IRStmt_Put(off + k + PGV_SHADOW1, c8(0)));
        }
    }
    if (d->mFx != Ifx_None && d->mFx != Ifx_Read && d->mAddr != NULL) {
        IRTemp r = newIRTemp(pgv_sb->tyenv, Ity_I64);
        IRDirty *w = unsafeIRDirty_1_N(r, 0, "mc_dirty_wrote", (void *)mc_dirty_wrote,
                                       mkIRExprVec_2(d->mAddr, c64((uint64_t)d->mSize)));
        w->guard = d->guard;
        add(IRStmt_Dirty(w));
    }
}

/* ---- stack pointer changes -------------------------------------------------------------
 *
 * As Valgrind's: memory the stack grows into becomes addressable and undefined, memory
 * it shrinks out of unaddressable, both shifted down by the ABI's 128-byte red zone
 * (which stays usable below the stack pointer). A change by a constant (push, pop,
 * call, ret, sub $n) is painted inline; others (a frame pointer moved into rsp, an
 * alignment) by a helper, which takes a change of more than --max-stackframe (2 MB)
 * for a switch to another stack and paints nothing. */

#define SP_OFF offsetof(VexGuestAMD64State, guest_RSP)
#define RED_ZONE 128
#define MAX_STACKFRAME 2000000

static int sp_version;       /* bumped at each PUT of rsp */
static int *sp_ver;          /* per temporary: the version it is relative to, or -1 */
static int64_t *sp_delta;    /* and its offset from the stack pointer of that version */
static int n_sp;

static uint64_t mc_sp_change(uint64_t old, uint64_t new)
{
    int64_t d = (int64_t)(new - old);
    if (d == 0 || d > MAX_STACKFRAME || d < -MAX_STACKFRAME)
        return 0;
    if (d < 0)
        mc_set_range(new - RED_ZONE, (uint64_t)-d, 0, 0xFF);
    else
        mc_set_range(old - RED_ZONE, (uint64_t)d, 0xFF, 0xFF);
    return 0;
}

static void paint(IRExpr *lo, int64_t n, int noaccess)
{
    for (int64_t off = 0; off < n; off += 8) {
        add(IRStmt_Store(Iend_LE, shadow_addr(k_abase, lo, (int)off), c64(noaccess ? ~0ull : 0)));
        add(IRStmt_Store(Iend_LE, shadow_addr(k_vbase, lo, (int)off), c64(~0ull)));
    }
}

static void sp_track_tmp(IRTemp t, IRExpr *e)
{
    if ((int)t >= n_sp)
        return;
    sp_ver[t] = -1;
    if (e->tag == Iex_Get && e->Iex.Get.offset == (Int)SP_OFF && e->Iex.Get.ty == Ity_I64) {
        sp_ver[t] = sp_version;
        sp_delta[t] = 0;
    } else if (e->tag == Iex_Binop && (e->Iex.Binop.op == Iop_Add64 || e->Iex.Binop.op == Iop_Sub64) &&
               e->Iex.Binop.arg1->tag == Iex_RdTmp && e->Iex.Binop.arg2->tag == Iex_Const &&
               e->Iex.Binop.arg2->Iex.Const.con->tag == Ico_U64) {
        IRTemp u = e->Iex.Binop.arg1->Iex.RdTmp.tmp;
        int64_t c = (int64_t)e->Iex.Binop.arg2->Iex.Const.con->Ico.U64;
        if ((int)u < n_sp && sp_ver[u] >= 0) {
            sp_ver[t] = sp_ver[u];
            sp_delta[t] = sp_delta[u] + (e->Iex.Binop.op == Iop_Add64 ? c : -c);
        }
    }
}

/* before a PUT of rsp: paint what the change exposes or covers */
static void sp_put(IRExpr *data)
{
    int64_t d = 0;
    int known = data->tag == Iex_RdTmp && (int)data->Iex.RdTmp.tmp < n_sp &&
                sp_ver[data->Iex.RdTmp.tmp] == sp_version;
    if (known)
        d = sp_delta[data->Iex.RdTmp.tmp];
    if (known && d != 0 && d % 8 == 0 && d >= -256 && d <= 256) {
        IRExpr *old = atom(Ity_I64, IRExpr_Get(SP_OFF, Ity_I64));
        if (d < 0)
            paint(atom(Ity_I64, bin(Iop_Sub64, data, c64(RED_ZONE))), -d, 0);
        else
            paint(atom(Ity_I64, bin(Iop_Sub64, old, c64(RED_ZONE))), d, 1);
    } else if (!known || d != 0) {
        IRExpr *old = atom(Ity_I64, IRExpr_Get(SP_OFF, Ity_I64));
        IRTemp r = newIRTemp(pgv_sb->tyenv, Ity_I64);
        IRDirty *dc = unsafeIRDirty_1_N(r, 0, "mc_sp_change", (void *)mc_sp_change,
                                        mkIRExprVec_2(old, data));
        add(IRStmt_Dirty(dc));
    }
    sp_version++;
    if (data->tag == Iex_RdTmp && (int)data->Iex.RdTmp.tmp < n_sp) {
        sp_ver[data->Iex.RdTmp.tmp] = sp_version;
        sp_delta[data->Iex.RdTmp.tmp] = 0;
    }
}

/* ---- the shadow call stack ------------------------------------------------------------ */

static void ss_push(uint64_t ret)
{
    IRTemp p = let(Ity_I64, IRExpr_Get(MC_SS_PTR, Ity_I64));
    IRTemp lim = let(Ity_I64, IRExpr_Get(MC_SS_LIMIT, Ity_I64));
    pgv_mark_host(p);
    add(IRStmt_Store(Iend_LE, rd(p), c64(ret)));
    IRTemp p8 = let(Ity_I64, bin(Iop_Add64, rd(p), c64(8)));
    pgv_mark_host(p8);
    IRExpr *sp = atom(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RSP), Ity_I64));
    add(IRStmt_Store(Iend_LE, rd(p8), sp));
    IRExpr *room = atom(Ity_I1, bin(Iop_CmpLT64U, rd(p), rd(lim)));
    IRExpr *next = atom(Ity_I64, bin(Iop_Add64, rd(p), c64(16)));
    add(IRStmt_Put(MC_SS_PTR, atom(Ity_I64, IRExpr_ITE(room, next, rd(p)))));
}

/* after a return: drop the top entry if its frame is gone (its stack pointer is below
 * the one now); whatever longjmp or a signal left is dropped when a stack is taken */
void mc_ss_pop(void)
{
    IRTemp p = let(Ity_I64, IRExpr_Get(MC_SS_PTR, Ity_I64));
    IRTemp q = let(Ity_I64, bin(Iop_Sub64, rd(p), c64(8)));
    pgv_mark_host(q);
    IRExpr *top_sp = host_load(Ity_I64, rd(q));
    IRExpr *sp = atom(Ity_I64, IRExpr_Get(offsetof(VexGuestAMD64State, guest_RSP), Ity_I64));
    IRExpr *gone = atom(Ity_I1, bin(Iop_CmpLT64U, top_sp, sp));
    IRExpr *below = atom(Ity_I64, bin(Iop_Sub64, rd(p), c64(16)));
    add(IRStmt_Put(MC_SS_PTR, atom(Ity_I64, IRExpr_ITE(gone, below, rd(p)))));
}

/* ---- the pass -------------------------------------------------------------------------- */

static int bogus(uint64_t v)
{
    uint32_t lo = (uint32_t)v;
    static const uint32_t pats[] = {0xFEFEFEFF, 0x80808080, 0x7F7F7F7F, 0x01010101,
                                    0xFEFF0000, 0x7EFEFEFF, 0x81010100, 0x00010101};
    for (unsigned i = 0; i < sizeof pats / sizeof *pats; i++) {
        if (lo == pats[i] || (uint32_t)(v >> 32) == pats[i])
            return 1;
    }
    return 0;
}

static void find_bogus(IRExpr *e)
{
    if (e == NULL)
        return;
    switch (e->tag) {
    case Iex_Const:
        if (e->Iex.Const.con->tag == Ico_U64 && bogus(e->Iex.Const.con->Ico.U64))
            exact_add = 1;
        if (e->Iex.Const.con->tag == Ico_U32 && bogus(e->Iex.Const.con->Ico.U32))
            exact_add = 1;
        break;
    case Iex_Binop:
        find_bogus(e->Iex.Binop.arg1);
        find_bogus(e->Iex.Binop.arg2);
        break;
    case Iex_Unop:
        find_bogus(e->Iex.Unop.arg);
        break;
    default:
        break;
    }
}

static IRSB *mc_instrument(IRSB *in)
{
    mc_in = in;
    pgv_sb = deepCopyIRSBExceptStmts(in);
    int n = in->tyenv->types_used;
    if (n > n_vsh) {
        IRTemp *g = realloc(vsh, (size_t)n * 2 * sizeof *vsh);
        if (g == NULL)
            pgv_reject(PGV_FAILED);
        vsh = g;
        n_vsh = n * 2;
    }
    for (int i = 0; i < n_vsh; i++)
        vsh[i] = IRTemp_INVALID;
    if (n > n_sp) {
        int *v = realloc(sp_ver, (size_t)n * 2 * sizeof *sp_ver);
        int64_t *dl = v ? realloc(sp_delta, (size_t)n * 2 * sizeof *sp_delta) : NULL;
        if (v == NULL || dl == NULL)
            pgv_reject(PGV_FAILED);
        sp_ver = v;
        sp_delta = dl;
        n_sp = n * 2;
    }
    for (int i = 0; i < n_sp; i++)
        sp_ver[i] = -1;
    sp_version = 0;
    exact_add = 0;
    for (int i = 0; i < in->stmts_used; i++) {
        IRStmt *st = in->stmts[i];
        if (st->tag == Ist_WrTmp)
            find_bogus(st->Ist.WrTmp.data);
    }
    k_vbase = let(Ity_I64, IRExpr_Get(PGV_K_TOOL0, Ity_I64));
    k_abase = let(Ity_I64, IRExpr_Get(PGV_K_TOOL1, Ity_I64));
    pgv_cur_pc = 0;
    uint64_t next_pc = 0;
    for (int i = 0; i < in->stmts_used; i++) {
        IRStmt *st = in->stmts[i];
        if (st == NULL)
            continue;
        switch (st->tag) {
        case Ist_IMark:
            pgv_cur_pc = st->Ist.IMark.addr;
            next_pc = st->Ist.IMark.addr + st->Ist.IMark.len;
            add(st);
            break;
        case Ist_WrTmp: {
            IRTemp t = st->Ist.WrTmp.tmp;
            IRExpr *e = st->Ist.WrTmp.data;
            if (e->tag == Iex_Load) {
                do_load(t, e);
                break;
            }
            sp_track_tmp(t, e);
            IRExpr *v = sh_expr(e);
            add(st);
            if (!is_zero(v))
                vsh[t] = v->tag == Iex_RdTmp ? v->Iex.RdTmp.tmp : let(shty(type_of(rd(t))), v);
            break;
        }
        case Ist_Put:
            if (st->Ist.Put.offset == (Int)SP_OFF && type_of(st->Ist.Put.data) == Ity_I64)
                sp_put(st->Ist.Put.data);
            add(IRStmt_Put(st->Ist.Put.offset + PGV_SHADOW1, vatom(st->Ist.Put.data)));
            add(st);
            break;
        case Ist_PutI: {
            IRPutI *p = st->Ist.PutI.details;
            IRRegArray *d = p->descr;
            IRRegArray *sd = mkIRRegArray(d->base + PGV_SHADOW1, shty(d->elemTy), d->nElems);
            add(IRStmt_PutI(mkIRPutI(sd, p->ix, p->bias, vatom(p->data))));
            add(st);
            break;
        }
        case Ist_Store:
            do_store(st);
            break;
        case Ist_CAS:
            do_cas(st);
            break;
        case Ist_Dirty:
            do_dirty(st);
            break;
        case Ist_Exit:
            complain(st->Ist.Exit.guard, MC_ERR_COND, 0);
            add(st);
            break;
        case Ist_LLSC: case Ist_LoadG: case Ist_StoreG:
            pgv_reject(PGV_UNSUPPORTED);
            break;
        default:
            add(st);
        }
    }
    if (in->next->tag != Iex_Const)
        complain(in->next, MC_ERR_VALUE, 8);
    if (in->jumpkind == Ijk_Call && next_pc)
        ss_push(next_pc);
    else if (in->jumpkind == Ijk_Ret)
        mc_ss_pop();
    return pgv_sb;
}

/* ---- from Python ------------------------------------------------------------------------ */

/* Configure memcheck and plug its pass (if cfg->pass) and its function replacements
 * into the libVEX tier. */
void mc_init(const mc_config *c)
{
    mc_cfg = *c;
    pgv_consts[4] = mc_cfg.vbase;
    pgv_consts[5] = mc_cfg.abase;
    pgv_tool_pass = mc_cfg.pass ? mc_instrument : NULL;
    pgv_tool_redirect = mc_redirect;
}

int64_t mc_report(uint64_t kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    typedef int64_t (*cb_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
    return ((cb_t)(uintptr_t)mc_cfg.report)(kind, a, b, c, d, e);
}

#define SS_ENTRIES 65536

/* A thread's shadow call stack, in the words of its guest state (at `state`). */
int mc_thread_init(uint8_t *state)
{
    uint64_t *ss = malloc((SS_ENTRIES + 2) * 16);
    if (ss == NULL)
        return -1;
    ss[0] = 0;
    ss[1] = UINT64_MAX; /* the sentinel: never below any stack pointer */
    uint64_t p = (uint64_t)(uintptr_t)(ss + 2), lim = (uint64_t)(uintptr_t)(ss + 2 * SS_ENTRIES);
    uint64_t base = (uint64_t)(uintptr_t)ss;
    memcpy(state + MC_SS_PTR, &p, 8);
    memcpy(state + MC_SS_LIMIT, &lim, 8);
    memcpy(state + MC_SS_BASE, &base, 8);
    return 0;
}

int mc_capture(const uint8_t *state, uint64_t pc, uint64_t *frames, int max)
{
    int n = 0;
    if (max > 0)
        frames[n++] = pc;
    uint64_t p, base, sp;
    memcpy(&p, state + MC_SS_PTR, 8);
    memcpy(&base, state + MC_SS_BASE, 8);
    memcpy(&sp, state + offsetof(VexGuestAMD64State, guest_RSP), 8);
    if (base == 0)
        return n;
    const uint64_t *e = (const uint64_t *)(uintptr_t)p;
    const uint64_t *lo = (const uint64_t *)(uintptr_t)base + 2;
    /* frames that longjmp, exceptions or signal handlers left */
    while (e > lo && e[-1] < sp)
        e -= 2;
    memcpy((uint8_t *)state + MC_SS_PTR, &(uint64_t){(uint64_t)(uintptr_t)e}, 8);
    while (e > lo && n < max) {
        e -= 2;
        frames[n++] = e[0];
    }
    return n;
}

/* The call stack of the thread whose state is given, for Python (errors) */
int mc_stack(uint64_t state, uint64_t pc, uint64_t *frames, int max)
{
    return mc_capture((const uint8_t *)(uintptr_t)state, pc, frames, max);
}
