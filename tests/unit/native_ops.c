/* Native reference implementations for tests/unit/test_ops_native.py.
 *
 * Built at test time into a shared library and called through ctypes.
 * Conventions (so that the Python side needs few signatures):
 *   vector ops:   void f(const void *a, const void *b, void *r)   16 bytes each
 *                 (unary ops ignore b; shifts take the count in b's low 64 bits)
 *   rounding:     a trailing `unsigned rm` is an IRRoundingMode, put in MXCSR.RC
 *                 (SSE) or the x87 control word RC (both use VEX's encoding)
 *   floats travel as their bit patterns in uint64_t so that NaN payloads
 *   are never touched by a conversion.
 * Float arithmetic uses inline asm so the compiler cannot swap the operands
 * of "commutative" operations (which would change which NaN is returned).
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define LD(p) _mm_loadu_si128((const __m128i *)(p))
#define ST(p, v) _mm_storeu_si128((__m128i *)(p), (v))

/* ------------------------------------------------------------ SSE integer */

#define V2(name, expr) \
    void name(const void *pa, const void *pb, void *pr) { \
        __m128i a = LD(pa), b = LD(pb); ST(pr, (expr)); }
#define V1(name, expr) \
    void name(const void *pa, const void *pb, void *pr) { \
        __m128i a = LD(pa); (void)pb; ST(pr, (expr)); }

V2(add_epi8, _mm_add_epi8(a, b))
V2(add_epi16, _mm_add_epi16(a, b))
V2(add_epi32, _mm_add_epi32(a, b))
V2(add_epi64, _mm_add_epi64(a, b))
V2(sub_epi8, _mm_sub_epi8(a, b))
V2(sub_epi16, _mm_sub_epi16(a, b))
V2(sub_epi32, _mm_sub_epi32(a, b))
V2(sub_epi64, _mm_sub_epi64(a, b))
V2(adds_epi8, _mm_adds_epi8(a, b))
V2(adds_epi16, _mm_adds_epi16(a, b))
V2(adds_epu8, _mm_adds_epu8(a, b))
V2(adds_epu16, _mm_adds_epu16(a, b))
V2(subs_epi8, _mm_subs_epi8(a, b))
V2(subs_epi16, _mm_subs_epi16(a, b))
V2(subs_epu8, _mm_subs_epu8(a, b))
V2(subs_epu16, _mm_subs_epu16(a, b))
V2(mullo_epi16, _mm_mullo_epi16(a, b))
V2(mullo_epi32, _mm_mullo_epi32(a, b))
V2(mulhi_epi16, _mm_mulhi_epi16(a, b))
V2(mulhi_epu16, _mm_mulhi_epu16(a, b))
V2(mul_epu32, _mm_mul_epu32(a, b))
V2(mul_epi32, _mm_mul_epi32(a, b))
V2(avg_epu8, _mm_avg_epu8(a, b))
V2(avg_epu16, _mm_avg_epu16(a, b))
V2(max_epi8, _mm_max_epi8(a, b))
V2(max_epi16, _mm_max_epi16(a, b))
V2(max_epi32, _mm_max_epi32(a, b))
V2(max_epu8, _mm_max_epu8(a, b))
V2(max_epu16, _mm_max_epu16(a, b))
V2(max_epu32, _mm_max_epu32(a, b))
V2(min_epi8, _mm_min_epi8(a, b))
V2(min_epi16, _mm_min_epi16(a, b))
V2(min_epi32, _mm_min_epi32(a, b))
V2(min_epu8, _mm_min_epu8(a, b))
V2(min_epu16, _mm_min_epu16(a, b))
V2(min_epu32, _mm_min_epu32(a, b))
V2(cmpeq_epi8, _mm_cmpeq_epi8(a, b))
V2(cmpeq_epi16, _mm_cmpeq_epi16(a, b))
V2(cmpeq_epi32, _mm_cmpeq_epi32(a, b))
V2(cmpeq_epi64, _mm_cmpeq_epi64(a, b))
V2(cmpgt_epi8, _mm_cmpgt_epi8(a, b))
V2(cmpgt_epi16, _mm_cmpgt_epi16(a, b))
V2(cmpgt_epi32, _mm_cmpgt_epi32(a, b))
V2(cmpgt_epi64, _mm_cmpgt_epi64(a, b))
V2(packs_epi16, _mm_packs_epi16(a, b))
V2(packs_epi32, _mm_packs_epi32(a, b))
V2(packus_epi16, _mm_packus_epi16(a, b))
V2(packus_epi32, _mm_packus_epi32(a, b))
V2(unpacklo_epi8, _mm_unpacklo_epi8(a, b))
V2(unpacklo_epi16, _mm_unpacklo_epi16(a, b))
V2(unpacklo_epi32, _mm_unpacklo_epi32(a, b))
V2(unpacklo_epi64, _mm_unpacklo_epi64(a, b))
V2(unpackhi_epi8, _mm_unpackhi_epi8(a, b))
V2(unpackhi_epi16, _mm_unpackhi_epi16(a, b))
V2(unpackhi_epi32, _mm_unpackhi_epi32(a, b))
V2(unpackhi_epi64, _mm_unpackhi_epi64(a, b))
V2(shuffle_epi8, _mm_shuffle_epi8(a, b))
V2(maddubs_epi16, _mm_maddubs_epi16(a, b))
V2(hadd_epi16, _mm_hadd_epi16(a, b))
V2(hadd_epi32, _mm_hadd_epi32(a, b))
V2(and_si128, _mm_and_si128(a, b))
V2(or_si128, _mm_or_si128(a, b))
V2(xor_si128, _mm_xor_si128(a, b))
V2(sll_epi16, _mm_sll_epi16(a, b))
V2(sll_epi32, _mm_sll_epi32(a, b))
V2(sll_epi64, _mm_sll_epi64(a, b))
V2(srl_epi16, _mm_srl_epi16(a, b))
V2(srl_epi32, _mm_srl_epi32(a, b))
V2(srl_epi64, _mm_srl_epi64(a, b))
V2(sra_epi16, _mm_sra_epi16(a, b))
V2(sra_epi32, _mm_sra_epi32(a, b))
V2(alignr_0, _mm_alignr_epi8(a, b, 0))
V2(alignr_3, _mm_alignr_epi8(a, b, 3))
V2(alignr_8, _mm_alignr_epi8(a, b, 8))
V2(alignr_15, _mm_alignr_epi8(a, b, 15))
V1(abs_epi8, _mm_abs_epi8(a))
V1(abs_epi16, _mm_abs_epi16(a))
V1(abs_epi32, _mm_abs_epi32(a))
V1(cvtepi8_epi16, _mm_cvtepi8_epi16(a))
V1(cvtepu8_epi16, _mm_cvtepu8_epi16(a))
V1(cvtepi16_epi32, _mm_cvtepi16_epi32(a))
V1(cvtepu32_epi64, _mm_cvtepu32_epi64(a))
V1(slli_si128_1, _mm_slli_si128(a, 1))
V1(slli_si128_7, _mm_slli_si128(a, 7))
V1(srli_si128_1, _mm_srli_si128(a, 1))
V1(srli_si128_15, _mm_srli_si128(a, 15))

int movemask_epi8(const void *pa) { return _mm_movemask_epi8(LD(pa)); }

/* ------------------------------------------------------------ MMX (64-bit) */

/* Everything, including EMMS, in one asm statement: any MMX instruction the
 * compiler placed after EMMS would leave the x87 stack marked full. */
#define M2(name, insn) \
    uint64_t name(uint64_t a, uint64_t b) { \
        uint64_t r; \
        __asm__ volatile("movq %1, %%mm0\n\tmovq %2, %%mm1\n\t" insn " %%mm1, %%mm0\n\t" \
                         "movq %%mm0, %0\n\temms" : "=r"(r) : "r"(a), "r"(b) : "mm0", "mm1"); \
        return r; }
M2(paddb_mmx, "paddb")
M2(psubusw_mmx, "psubusw")
M2(pmulhw_mmx, "pmulhw")
M2(pavgb_mmx, "pavgb")
M2(pshufb_mmx, "pshufb")
M2(packsswb_mmx, "packsswb")
M2(punpckhbw_mmx, "punpckhbw")
M2(pmaxsw_mmx, "pmaxsw")
M2(pcmpgtb_mmx, "pcmpgtb")

/* ------------------------------------------------------------ SSE float */

static unsigned set_rc(unsigned rm) {
    unsigned old = _mm_getcsr();
    _mm_setcsr((old & ~0x6000u) | ((rm & 3u) << 13));
    return old;
}

#define VF2(name, insn) \
    void name(const void *pa, const void *pb, void *pr, unsigned rm) { \
        __m128i a = LD(pa), b = LD(pb); unsigned old = set_rc(rm); \
        __asm__ volatile(insn " %1, %0" : "+x"(a) : "x"(b)); \
        _mm_setcsr(old); ST(pr, a); }
#define VF1(name, insn) \
    void name(const void *pa, const void *pb, void *pr, unsigned rm) { \
        __m128i a = LD(pa), r = _mm_setzero_si128(); unsigned old = set_rc(rm); (void)pb; \
        __asm__ volatile(insn " %1, %0" : "+x"(r) : "x"(a)); \
        _mm_setcsr(old); ST(pr, r); }

VF2(addps, "addps")
VF2(subps, "subps")
VF2(mulps, "mulps")
VF2(divps, "divps")
VF2(addpd, "addpd")
VF2(subpd, "subpd")
VF2(mulpd, "mulpd")
VF2(divpd, "divpd")
VF2(maxps, "maxps")
VF2(minps, "minps")
VF2(maxpd, "maxpd")
VF2(minpd, "minpd")
VF2(cmpeqps, "cmpeqps")
VF2(cmpltps, "cmpltps")
VF2(cmpleps, "cmpleps")
VF2(cmpunordps, "cmpunordps")
VF2(cmpeqpd, "cmpeqpd")
VF2(cmpltpd, "cmpltpd")
VF2(cmplepd, "cmplepd")
VF2(cmpunordpd, "cmpunordpd")
VF2(addss, "addss")
VF2(subss, "subss")
VF2(mulss, "mulss")
VF2(divss, "divss")
VF2(maxss, "maxss")
VF2(minss, "minss")
VF2(cmpltss, "cmpltss")
VF2(addsd, "addsd")
VF2(subsd, "subsd")
VF2(mulsd, "mulsd")
VF2(divsd, "divsd")
VF2(maxsd, "maxsd")
VF2(minsd, "minsd")
VF2(cmplesd, "cmplesd")
VF2(cmpunordsd, "cmpunordsd")
VF2(sqrtsd_merge, "sqrtsd")   /* lane 0 = sqrt(b0), lane 1 from a */
VF1(sqrtps, "sqrtps")
VF1(sqrtpd, "sqrtpd")
VF1(rcpps, "rcpps")
VF1(rsqrtps, "rsqrtps")
VF1(cvtps2dq, "cvtps2dq")
VF1(cvtdq2ps, "cvtdq2ps")

/* scalar binary64 / binary32 arithmetic with a rounding mode */
#define SF2(name, insn) \
    uint64_t name(uint64_t a, uint64_t b, unsigned rm) { \
        __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b); \
        unsigned old = set_rc(rm); \
        __asm__ volatile(insn " %1, %0" : "+x"(x) : "x"(y)); \
        _mm_setcsr(old); return (uint64_t)_mm_cvtsi128_si64(x); }
SF2(addsd_rm, "addsd")
SF2(subsd_rm, "subsd")
SF2(mulsd_rm, "mulsd")
SF2(divsd_rm, "divsd")
SF2(sqrtsd_rm, "sqrtsd")   /* uses b; a is ignored */
SF2(addss_rm, "addss")
SF2(subss_rm, "subss")
SF2(mulss_rm, "mulss")
SF2(divss_rm, "divss")
SF2(sqrtss_rm, "sqrtss")
SF2(cvtsd2ss_rm, "cvtsd2ss")
SF2(cvtss2sd_rm, "cvtss2sd")

uint64_t roundsd_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)b), r = _mm_setzero_si128();
    (void)a;
    switch (rm & 3) {
    case 0: __asm__ volatile("roundsd $8, %1, %0" : "+x"(r) : "x"(x)); break;
    case 1: __asm__ volatile("roundsd $9, %1, %0" : "+x"(r) : "x"(x)); break;
    case 2: __asm__ volatile("roundsd $10, %1, %0" : "+x"(r) : "x"(x)); break;
    default: __asm__ volatile("roundsd $11, %1, %0" : "+x"(r) : "x"(x)); break;
    }
    return (uint64_t)_mm_cvtsi128_si64(r);
}

uint64_t roundss_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)b), r = _mm_setzero_si128();
    (void)a;
    switch (rm & 3) {
    case 0: __asm__ volatile("roundss $8, %1, %0" : "+x"(r) : "x"(x)); break;
    case 1: __asm__ volatile("roundss $9, %1, %0" : "+x"(r) : "x"(x)); break;
    case 2: __asm__ volatile("roundss $10, %1, %0" : "+x"(r) : "x"(x)); break;
    default: __asm__ volatile("roundss $11, %1, %0" : "+x"(r) : "x"(x)); break;
    }
    return (uint64_t)_mm_cvtsi128_si64(r) & 0xffffffffu;
}

uint64_t cvtsd2si64_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)b); long long r; unsigned old = set_rc(rm);
    (void)a;
    __asm__ volatile("cvtsd2si %1, %0" : "=r"(r) : "x"(x));
    _mm_setcsr(old); return (uint64_t)r;
}

uint64_t cvtsd2si32_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)b); int r; unsigned old = set_rc(rm);
    (void)a;
    __asm__ volatile("cvtsd2si %1, %0" : "=r"(r) : "x"(x));
    _mm_setcsr(old); return (uint32_t)r;
}

uint64_t cvtsi2sdq_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_setzero_si128(); long long i = (long long)b; unsigned old = set_rc(rm);
    (void)a;
    __asm__ volatile("cvtsi2sdq %1, %0" : "+x"(x) : "r"(i));
    _mm_setcsr(old); return (uint64_t)_mm_cvtsi128_si64(x);
}

uint64_t cvtsi2ssq_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_setzero_si128(); long long i = (long long)b; unsigned old = set_rc(rm);
    (void)a;
    __asm__ volatile("cvtsi2ssq %1, %0" : "+x"(x) : "r"(i));
    _mm_setcsr(old); return (uint64_t)_mm_cvtsi128_si64(x) & 0xffffffffu;
}

uint64_t cvttsd2si64(uint64_t a) {
    return (uint64_t)_mm_cvttsd_si64(_mm_castsi128_pd(_mm_cvtsi64_si128((long long)a)));
}

uint64_t ucomisd_flags(uint64_t a, uint64_t b) {
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b);
    uint64_t fl;
    __asm__ volatile("ucomisd %2, %1\n\tpushfq\n\tpopq %0" : "=r"(fl) : "x"(x), "x"(y) : "cc");
    return fl & 0x45;
}

/* fused multiply-add: a*b + c with one rounding */
__attribute__((target("fma")))
uint64_t fmadd_sd(uint64_t a, uint64_t b, uint64_t c, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b),
            z = _mm_cvtsi64_si128((long long)c);
    unsigned old = set_rc(rm);
    __asm__ volatile("vfmadd213sd %2, %1, %0" : "+x"(x) : "x"(y), "x"(z));
    _mm_setcsr(old); return (uint64_t)_mm_cvtsi128_si64(x);
}

__attribute__((target("fma")))
uint64_t fmadd_ss(uint64_t a, uint64_t b, uint64_t c, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)a), y = _mm_cvtsi64_si128((long long)b),
            z = _mm_cvtsi64_si128((long long)c);
    unsigned old = set_rc(rm);
    __asm__ volatile("vfmadd213ss %2, %1, %0" : "+x"(x) : "x"(y), "x"(z));
    _mm_setcsr(old); return (uint64_t)_mm_cvtsi128_si64(x) & 0xffffffffu;
}

/* binary32 -> binary16 with an explicit rounding mode (F16C) */
__attribute__((target("f16c")))
uint64_t cvtps2ph_rm(uint64_t a, uint64_t b, unsigned rm) {
    __m128i x = _mm_cvtsi64_si128((long long)b), r;
    (void)a;
    switch (rm & 3) {
    case 0: r = _mm_cvtps_ph(_mm_castsi128_ps(x), 0); break;
    case 1: r = _mm_cvtps_ph(_mm_castsi128_ps(x), 1); break;
    case 2: r = _mm_cvtps_ph(_mm_castsi128_ps(x), 2); break;
    default: r = _mm_cvtps_ph(_mm_castsi128_ps(x), 3); break;
    }
    return (uint64_t)_mm_cvtsi128_si64(r) & 0xffffu;
}

__attribute__((target("f16c")))
uint64_t cvtph2ps(uint64_t a) {
    return (uint64_t)_mm_cvtsi128_si64(_mm_castps_si128(_mm_cvtph_ps(_mm_cvtsi64_si128((long long)a))))
           & 0xffffffffu;
}

int cpu_has(const char *feature) {
    __builtin_cpu_init();
    if (!strcmp(feature, "fma")) return __builtin_cpu_supports("fma");
    if (!strcmp(feature, "f16c")) return __builtin_cpu_supports("f16c");
    if (!strcmp(feature, "avx512bw")) return __builtin_cpu_supports("avx512bw");
    if (!strcmp(feature, "avx512vl")) return __builtin_cpu_supports("avx512vl");
    if (!strcmp(feature, "gfni")) return __builtin_cpu_supports("gfni");
    return 0;
}

/* ------------------------------------------------------------ x87 */

static void x87_cw(unsigned rm, unsigned short *old, unsigned short *new_cw) {
    __asm__ volatile("fnstcw %0" : "=m"(*old));
    *new_cw = (unsigned short)((*old & ~0x0C00u) | ((rm & 3u) << 10));
}

/* unary: fld a; insn; fstp (rounded by rm) */
#define X1(name, insn, extra_pop) \
    uint64_t name(uint64_t a, unsigned rm) { \
        double x, r; unsigned short cw, ncw; memcpy(&x, &a, 8); x87_cw(rm, &cw, &ncw); \
        __asm__ volatile("fldcw %2\n\tfldl %1\n\t" insn "\n\t" extra_pop "fstpl %0\n\tfldcw %3" \
                         : "=m"(r) : "m"(x), "m"(ncw), "m"(cw) : "st", "st(1)"); \
        uint64_t out; memcpy(&out, &r, 8); return out; }
X1(x87_fsin, "fsin", "")
X1(x87_fcos, "fcos", "")
X1(x87_fptan, "fptan", "fstp %%st(0)\n\t")
X1(x87_f2xm1, "f2xm1", "")
X1(x87_frndint, "frndint", "")
X1(x87_fsqrt, "fsqrt", "")

/* binary: fld a (-> st1); fld b (-> st0); insn; fstp */
#define X2(name, insn, extra_pop) \
    uint64_t name(uint64_t a, uint64_t b, unsigned rm) { \
        double x, y, r; unsigned short cw, ncw; memcpy(&x, &a, 8); memcpy(&y, &b, 8); \
        x87_cw(rm, &cw, &ncw); \
        __asm__ volatile("fldcw %3\n\tfldl %1\n\tfldl %2\n\t" insn "\n\tfstpl %0\n\t" extra_pop "fldcw %4" \
                         : "=m"(r) : "m"(x), "m"(y), "m"(ncw), "m"(cw) : "st", "st(1)"); \
        uint64_t out; memcpy(&out, &r, 8); return out; }
X2(x87_fyl2x, "fyl2x", "")        /* a * log2(b) */
X2(x87_fyl2xp1, "fyl2xp1", "")    /* a * log2(b + 1) */
X2(x87_fpatan, "fpatan", "")      /* atan(a / b) */

/* fscale: st0 = a, st1 = b */
uint64_t x87_fscale(uint64_t a, uint64_t b, unsigned rm) {
    double x, y, r; unsigned short cw, ncw; memcpy(&x, &a, 8); memcpy(&y, &b, 8);
    x87_cw(rm, &cw, &ncw);
    __asm__ volatile("fldcw %3\n\tfldl %2\n\tfldl %1\n\tfscale\n\tfstpl %0\n\tfstp %%st(0)\n\tfldcw %4"
                     : "=m"(r) : "m"(x), "m"(y), "m"(ncw), "m"(cw) : "st", "st(1)");
    uint64_t out; memcpy(&out, &r, 8); return out;
}

/* fprem / fprem1: st0 = a, st1 = b; returns the remainder, *flags = FSW & 0x4700 */
#define XPREM(name, insn) \
    uint64_t name(uint64_t a, uint64_t b, unsigned *flags) { \
        double x, y, r; unsigned short sw; memcpy(&x, &a, 8); memcpy(&y, &b, 8); \
        __asm__ volatile("fldl %3\n\tfldl %2\n\t" insn "\n\tfnstsw %1\n\tfstpl %0\n\tfstp %%st(0)" \
                         : "=m"(r), "=m"(sw) : "m"(x), "m"(y) : "st", "st(1)"); \
        *flags = sw & 0x4700u; uint64_t out; memcpy(&out, &r, 8); return out; }
XPREM(x87_fprem, "fprem")
XPREM(x87_fprem1, "fprem1")

/* ------------------------------------------------------------ scalar integer */

void udivmod128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r) {
    unsigned __int128 n = ((unsigned __int128)hi << 64) | lo;
    *q = (uint64_t)(n / d); *r = (uint64_t)(n % d);
}
void sdivmod128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r) {
    __int128 n = (__int128)(((unsigned __int128)hi << 64) | lo);
    *q = (uint64_t)(n / (int64_t)d); *r = (uint64_t)(n % (int64_t)d);
}
void umul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    unsigned __int128 p = (unsigned __int128)a * b;
    *hi = (uint64_t)(p >> 64); *lo = (uint64_t)p;
}
void smul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    __int128 p = (__int128)(int64_t)a * (int64_t)b;
    *hi = (uint64_t)((unsigned __int128)p >> 64); *lo = (uint64_t)p;
}
uint64_t udivmod64to32(uint64_t n, uint64_t d) {
    uint32_t q = (uint32_t)(n / (uint32_t)d), r = (uint32_t)(n % (uint32_t)d);
    return ((uint64_t)r << 32) | q;
}
uint64_t sdivmod64to32(uint64_t n, uint64_t d) {
    int64_t sn = (int64_t)n, sd = (int32_t)(uint32_t)d;
    return ((uint64_t)(uint32_t)(sn % sd) << 32) | (uint32_t)(sn / sd);
}
uint64_t clzll(uint64_t x) { return (uint64_t)__builtin_clzll(x); }
uint64_t ctzll(uint64_t x) { return (uint64_t)__builtin_ctzll(x); }
uint64_t popcountll(uint64_t x) { return (uint64_t)__builtin_popcountll(x); }
uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
uint64_t bswap32(uint64_t x) { return __builtin_bswap32((uint32_t)x); }
uint64_t sar64(uint64_t x, uint64_t n) { return (uint64_t)((int64_t)x >> n); }
uint64_t sar32(uint64_t x, uint64_t n) { return (uint32_t)((int32_t)(uint32_t)x >> n); }
uint64_t shl64(uint64_t x, uint64_t n) { return x << n; }
uint64_t shr64(uint64_t x, uint64_t n) { return x >> n; }

/* ------------------------------------------------------------ AVX-512 / GFNI */

#define CMPMASK(name, intrin, imm) \
    __attribute__((target("avx512bw,avx512vl"))) \
    uint64_t name(const void *pa, const void *pb) { return (uint64_t)intrin(LD(pa), LD(pb), imm); }
#define CMPMASKS(base, intrin) \
    CMPMASK(base##_0, intrin, 0) CMPMASK(base##_1, intrin, 1) CMPMASK(base##_2, intrin, 2) \
    CMPMASK(base##_3, intrin, 3) CMPMASK(base##_4, intrin, 4) CMPMASK(base##_5, intrin, 5) \
    CMPMASK(base##_6, intrin, 6) CMPMASK(base##_7, intrin, 7)
CMPMASKS(cmp_epi8, _mm_cmp_epi8_mask)
CMPMASKS(cmp_epu8, _mm_cmp_epu8_mask)
CMPMASKS(cmp_epi32, _mm_cmp_epi32_mask)
CMPMASKS(cmp_epu16, _mm_cmp_epu16_mask)

__attribute__((target("avx512bw,avx512vl")))
uint64_t test_epi8_mask(const void *pa, const void *pb) { return _mm_test_epi8_mask(LD(pa), LD(pb)); }
__attribute__((target("avx512bw,avx512vl")))
uint64_t testn_epi32_mask(const void *pa, const void *pb) { return _mm_testn_epi32_mask(LD(pa), LD(pb)); }
__attribute__((target("avx512bw,avx512vl")))
void movm_epi8(uint64_t m, void *pr) { ST(pr, _mm_movm_epi8((__mmask16)m)); }
__attribute__((target("avx512dq,avx512vl")))
void movm_epi32(uint64_t m, void *pr) { ST(pr, _mm_movm_epi32((__mmask8)m)); }

#define TERNLOG(imm) \
    __attribute__((target("avx512f"))) \
    void ternlog_##imm(const void *pa, const void *pb, const void *pc, void *pr) { \
        __m512i a = _mm512_loadu_si512(pa), b = _mm512_loadu_si512(pb), c = _mm512_loadu_si512(pc); \
        _mm512_storeu_si512(pr, _mm512_ternarylogic_epi32(a, b, c, imm)); }
TERNLOG(0x00) TERNLOG(0x01) TERNLOG(0x96) TERNLOG(0xE8) TERNLOG(0xCA) TERNLOG(0x5A) TERNLOG(0xFE)

__attribute__((target("gfni")))
void gf2p8mul(const void *pa, const void *pb, void *pr) { ST(pr, _mm_gf2p8mul_epi8(LD(pa), LD(pb))); }
