/* Hand-written C fasta primitives: the `c` rung, speedlab's ceiling for this kernel.
 * The same algorithm as the native rung in kernels/fasta.pyx: one LCG draw per
 * character and the first symbol whose cumulative probability exceeds seed / IM
 * (as the pure twin), that search done once per LCG state into a 139,968-byte
 * table, so a draw is one byte load; lines of 60 characters, each followed by a
 * newline. Compiled into
 * speedlab._native.fasta with the same flags as the Cython code, and driven in
 * chunks by the same Cython loop (which checks for Ctrl-C between chunks). */
#ifndef SPEEDLAB_C_FASTA_H
#define SPEEDLAB_C_FASTA_H

#include <stddef.h>

#define FASTA_C_LINE 60       /* characters per output line (the program's format) */
#define FASTA_C_IM 139968u    /* the LCG of the Benchmarks Game: modulus, */
#define FASTA_C_IA 3877u      /* multiplier */
#define FASTA_C_IC 29573u     /* and increment */

/* Write `count` characters of `seq` repeated (starting at `*pos`, which is
 * advanced), a newline after every 60 characters and after the last one.
 * `seq2` holds the sequence followed by its first 60 characters again, so that
 * every line is a single memcpy. Returns the end of what was written. */
char *fasta_c_repeat(char *out, const char *seq2, size_t seqlen, size_t count, size_t *pos);

/* Fill table[0:FASTA_C_IM] with the symbol each LCG state draws: of `symbols`
 * (nsym of them, with running sums of probabilities `cumulative`), the first
 * whose sum exceeds state / IM. */
void fasta_c_table(char *table, const char *symbols, const double *cumulative, int nsym);

/* Write `count` random characters, 60 per line as above, each `table[state]`
 * for the next LCG state; `*seed` is the state, carried from call to call.
 * Returns the end of the output. */
char *fasta_c_random(char *out, const char *table, size_t count, unsigned *seed);

#endif
