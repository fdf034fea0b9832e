/* The C ABI of the rust references (the .rs files of kernels/rust/src), for the Cython wrappers.
 *
 * Every function returns a status: SPEEDLAB_RUST_OK, SPEEDLAB_RUST_PANICKED (the
 * panic was caught at the boundary; speedlab_rust_panic_message() has its text)
 * or SPEEDLAB_RUST_NO_MEMORY. Results come back through out-pointers.
 *
 * setup.py defines SPEEDLAB_RUST when it linked the crate into the module.
 * Without it (no Rust toolchain) each function is a stub returning
 * SPEEDLAB_RUST_NOT_BUILT, so the module still builds and links; the wrappers are
 * then removed at import (rust_abi.pxd's RUST_BUILT), and the variants report the
 * build's reason. */
#ifndef SPEEDLAB_RUST_H
#define SPEEDLAB_RUST_H

#include <stddef.h>
#include <stdint.h>

#include "c/binarytrees.h"
#include "c/fannkuchredux.h"
#include "c/nbody.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPEEDLAB_RUST_OK 0
#define SPEEDLAB_RUST_PANICKED 1
#define SPEEDLAB_RUST_NO_MEMORY 2
#define SPEEDLAB_RUST_NOT_BUILT 3

#ifdef SPEEDLAB_RUST
#define SPEEDLAB_RUST_BUILT 1
#define SPEEDLAB_RUST_FN(decl) decl;
#else
#define SPEEDLAB_RUST_BUILT 0
#define SPEEDLAB_RUST_FN(decl) static inline decl { return SPEEDLAB_RUST_NOT_BUILT; }
#endif

/* lib.rs: the boundary */
SPEEDLAB_RUST_FN(size_t speedlab_rust_panic_message(char *buf, size_t cap))
SPEEDLAB_RUST_FN(int speedlab_rust_force_panic(int how))

/* nbody.rs */
SPEEDLAB_RUST_FN(int nbody_rust_energy(const nbody_c_body *bodies, double *out))
SPEEDLAB_RUST_FN(int nbody_rust_advance(nbody_c_body *bodies, long steps, double dt))

/* spectralnorm.rs: transpose 0 gives A u, 1 gives A^T u, for rows [row_begin, row_end) */
SPEEDLAB_RUST_FN(int spectralnorm_rust_times_u(const double *u, double *v, long long n,
                                               long long row_begin, long long row_end, int transpose))
SPEEDLAB_RUST_FN(int spectralnorm_rust_result(const double *u, const double *v, long long n, double *out))

/* mandelbrot.rs: rows [row_begin, row_end) of the n x n bitmap, as mandelbrot_c_rows */
SPEEDLAB_RUST_FN(int mandelbrot_rust_rows(unsigned char *bitmap, int n, int row_begin, int row_end))

/* fannkuchredux.rs: as fannkuchredux_c_start / fannkuchredux_c_run, on the same state */
SPEEDLAB_RUST_FN(int fannkuchredux_rust_start(fannkuchredux_c_state *s, int n, long long index))
SPEEDLAB_RUST_FN(int fannkuchredux_rust_run(fannkuchredux_c_state *s, long long steps,
                                            long long *checksum, int *max_flips))

/* chacha20.rs: as chacha20_c_xor */
SPEEDLAB_RUST_FN(int chacha20_rust_xor(const uint32_t *state, const unsigned char *src,
                                       unsigned char *dst, size_t len))

/* fasta.rs: as fasta_c_repeat / fasta_c_random, with *out advanced past what was written */
SPEEDLAB_RUST_FN(int fasta_rust_repeat(char **out, const char *seq2, size_t seqlen, size_t count, size_t *pos))
SPEEDLAB_RUST_FN(int fasta_rust_random(char **out, const char *symbols, const double *cumulative, int nsym,
                                       size_t count, unsigned *seed))

/* binarytrees.rs: as binarytrees_c_*, with the tree and the check through
 * out-pointers (make sets *tree to NULL with SPEEDLAB_RUST_NO_MEMORY; its
 * Node is laid out as binarytrees_c_node). A tree made here is freed here. */
SPEEDLAB_RUST_FN(int binarytrees_rust_make(int depth, binarytrees_c_node **tree))
SPEEDLAB_RUST_FN(int binarytrees_rust_check(const binarytrees_c_node *tree, long long *count))
SPEEDLAB_RUST_FN(int binarytrees_rust_free(binarytrees_c_node *tree))
SPEEDLAB_RUST_FN(int binarytrees_rust_trees(int depth, long long iterations, long long *total))

/* knucleotide.rs: an opaque table; as knuc_c_count / knuc_c_get / knuc_c_free
 * (count returns SPEEDLAB_RUST_NO_MEMORY where the C returns -1). */
typedef struct knucleotide_rust_table knucleotide_rust_table;
SPEEDLAB_RUST_FN(int knucleotide_rust_new(knucleotide_rust_table **table))
SPEEDLAB_RUST_FN(int knucleotide_rust_count(knucleotide_rust_table *table, const unsigned char *codes, size_t n,
                                            int k))
SPEEDLAB_RUST_FN(int knucleotide_rust_get(const knucleotide_rust_table *table, uint64_t key, uint64_t *count))
SPEEDLAB_RUST_FN(int knucleotide_rust_free(knucleotide_rust_table *table))

/* pidigits.rs: an opaque spigot; as pidigits_c_init / _run / _free. new sets
 * *state to NULL and returns SPEEDLAB_RUST_NO_MEMORY when memory runs out. */
typedef struct pidigits_rust_state pidigits_rust_state;
SPEEDLAB_RUST_FN(int pidigits_rust_new(pidigits_rust_state **state))
SPEEDLAB_RUST_FN(int pidigits_rust_free(pidigits_rust_state *state))
SPEEDLAB_RUST_FN(int pidigits_rust_run(pidigits_rust_state *state, char *out, size_t *count, size_t want,
                                       uint32_t terms))

/* revcomp.rs: as revcomp_c_*; compact's count through *written; compact_reverse
 * writes backwards into out[0:*end] and sets *end to the new end */
SPEEDLAB_RUST_FN(int revcomp_rust_compact(unsigned char *dst, const unsigned char *src, size_t n, size_t *written))
SPEEDLAB_RUST_FN(int revcomp_rust_compact_reverse(unsigned char *out, size_t *end, const unsigned char *src,
                                                  size_t n, const unsigned char *table))
SPEEDLAB_RUST_FN(int revcomp_rust_compact_reverse_unchecked(unsigned char *out, size_t *end,
                                                            const unsigned char *src, size_t n,
                                                            const unsigned char *table))
SPEEDLAB_RUST_FN(int revcomp_rust_reverse(unsigned char *seq, size_t len, size_t lo, size_t hi,
                                          const unsigned char *table))
SPEEDLAB_RUST_FN(int revcomp_rust_expand(unsigned char *buf, size_t len, size_t first, size_t last))

#ifdef __cplusplus
}
#endif

#endif
