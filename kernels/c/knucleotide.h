/* Hand-written C k-mer counting: the `c` rung for knucleotide.
 * C has no library hash table, so this is the ceiling of speedlab's `packed`
 * extra (kernels/knucleotide.pyx), the same algorithm line for line: k-mers packed
 * two bits a base into a 64-bit key, counted in an open-addressing table with
 * linear probing (multiplicative hash, load kept <= 1/2, doubled when full). */
#ifndef SPEEDLAB_C_KNUCLEOTIDE_H
#define SPEEDLAB_C_KNUCLEOTIDE_H

#include <stddef.h>
#include <stdint.h>

/* NOTE: kernels/knucleotide.pyx is compiled as C++ (for std::unordered_map),
 * while this file stays C: the guard gives these functions C linkage. */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t key;      /* key + 1; 0 marks an empty slot */
    uint64_t count;
} knuc_c_slot;         /* key and count side by side: one cache miss per probe */

typedef struct {
    knuc_c_slot *slots;
    size_t mask;       /* slots - 1 (slots is a power of two) */
    int shift;         /* 64 - log2(slots): the hash keeps the top bits */
    size_t used;
} knuc_c_table;

/* Count every k-mer (k <= 32) of the 2-bit codes `codes[0:n]` into `t`, which
 * must be zeroed or already hold counts. Returns 0, or -1 when memory runs out. */
int knuc_c_count(knuc_c_table *t, const unsigned char *codes, size_t n, int k);

/* The count of `key` in `t` (0 when absent). */
uint64_t knuc_c_get(const knuc_c_table *t, uint64_t key);

/* Free the table's arrays (the struct itself belongs to the caller). */
void knuc_c_free(knuc_c_table *t);

#ifdef __cplusplus
}
#endif

#endif
