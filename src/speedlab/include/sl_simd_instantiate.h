/* Compile one kernel body once per vector instruction set.
 *
 * Use: #define SL_SIMD_BODY "simd/NAME_body.h" then #include "sl_simd_instantiate.h"
 * (which undefines SL_SIMD_BODY again, so one file may instantiate several kernels).
 * The body names each function SL_FN(name) and sizes its vectors with
 * SL_VBYTES (16, 32 or 64 bytes); it is included once per path, inside a
 * region whose functions all get that path's target attribute, giving
 * name_sse2, name_avx2, name_avx512 on x86-64 and name_neon on arm64.
 * This file has no include guard on purpose: one inclusion per kernel.
 */
#include "sl_simd.h"

#define SL_CAT_(a, b) a##_##b
#define SL_CAT(a, b) SL_CAT_(a, b)
#define SL_FN(name) SL_CAT(name, SL_ISA)

#if defined(SL_SIMD_X86)

/* SSE2: the x86-64 baseline, no attribute needed. */
#  define SL_ISA sse2
#  define SL_VBYTES 16
#  include SL_SIMD_BODY
#  undef SL_ISA
#  undef SL_VBYTES

/* NOTE: no "fma" in the targets below: the build is -ffp-contract=off so that
 * every path rounds exactly as the scalar code and the twin do. */
#  if defined(__clang__)
#    pragma clang attribute push (__attribute__((target("avx2"))), apply_to = function)
#  else
#    pragma GCC push_options
#    pragma GCC target("avx2")
#  endif
#  define SL_ISA avx2
#  define SL_VBYTES 32
#  include SL_SIMD_BODY
#  undef SL_ISA
#  undef SL_VBYTES
#  if defined(__clang__)
#    pragma clang attribute pop
#  else
#    pragma GCC pop_options
#  endif

#  if defined(__clang__)
#    pragma clang attribute push (__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))), apply_to = function)
#  else
#    pragma GCC push_options
#    pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq")
#  endif
#  define SL_ISA avx512
#  define SL_VBYTES 64
#  include SL_SIMD_BODY
#  undef SL_ISA
#  undef SL_VBYTES
#  if defined(__clang__)
#    pragma clang attribute pop
#  else
#    pragma GCC pop_options
#  endif

#elif defined(SL_SIMD_ARM)

/* NEON: the AArch64 baseline, 128-bit vectors. */
#  define SL_ISA neon
#  define SL_VBYTES 16
#  include SL_SIMD_BODY
#  undef SL_ISA
#  undef SL_VBYTES

#endif

/* The body is consumed: the next kernel in the same file names its own. */
#undef SL_SIMD_BODY
