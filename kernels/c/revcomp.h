/* Hand-written C reverse-complement primitives: the `c` rung, speedlab's ceiling.
 * The same passes as the native rung in kernels/revcomp.pyx, driven in chunks by
 * the same Cython loop (which checks for Ctrl-C between chunks):
 *   compact -- copy a record's sequence without its newlines (may run in place);
 *   reverse -- reverse and complement the compacted sequence in place;
 *   expand  -- spread it back into 60-character lines in place, last line first.
 * Into a separate output buffer, compact_reverse does the first two in one pass. */
#ifndef SPEEDLAB_C_REVCOMP_H
#define SPEEDLAB_C_REVCOMP_H

#include <stddef.h>

#define REVCOMP_C_LINE 60 /* characters per output line (the program's format) */

/* Copy the `n` bytes at `src` to `dst` leaving out newlines; `dst` may equal
 * `src` or lie before it. Returns the number of bytes written. */
size_t revcomp_c_compact(unsigned char *dst, const unsigned char *src, size_t n);

/* Copy the `n` bytes at `src`, newlines left out and complemented through
 * `table`, backwards into the bytes just before `dst_end` (the first byte of
 * `src` lands last): compact and reverse in one pass, for a separate output
 * buffer. Returns the new `dst_end`. */
unsigned char *revcomp_c_compact_reverse(unsigned char *dst_end, const unsigned char *src,
                                         size_t n, const unsigned char *table);

/* For i in [lo, hi): swap seq[i] and seq[len - 1 - i], complementing both
 * through `table` (256 entries). hi <= (len + 1) / 2. */
void revcomp_c_reverse(unsigned char *seq, size_t len, size_t lo, size_t hi,
                       const unsigned char *table);

/* Move lines [first, last) of the `len`-character sequence at `buf` to their
 * places in 60-character lines, each followed by a newline, last line first
 * (so the move never overwrites what is still to be moved). */
void revcomp_c_expand(unsigned char *buf, size_t len, size_t first, size_t last);

#endif
