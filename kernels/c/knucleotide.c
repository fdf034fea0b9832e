/* Hand-written C k-mer counting (the `c` rung). See knucleotide.h. */
#include <stdlib.h>

#include "knucleotide.h"

#define KNUC_C_FIRST_BITS 10                 /* 1,024 slots to start: tiny tables stay in L1 */
#define KNUC_C_GOLDEN 0x9E3779B97F4A7C15ULL  /* 2^64 / golden ratio: Fibonacci hashing */

static int knuc_c_alloc(knuc_c_table *t, int bits)
{
    size_t slots = (size_t)1 << bits;
    t->slots = calloc(slots, sizeof *t->slots);
    if (!t->slots)
        return -1;
    t->mask = slots - 1;
    t->shift = 64 - bits;
    t->used = 0;
    return 0;
}

static size_t knuc_c_find(const knuc_c_table *t, uint64_t key)
{
    size_t i = (size_t)((key * KNUC_C_GOLDEN) >> t->shift);
    while (t->slots[i].key != 0 && t->slots[i].key != key + 1)
        i = (i + 1) & t->mask;
    return i;
}

/* Double the table, reinserting every key. */
static int knuc_c_grow(knuc_c_table *t)
{
    knuc_c_table bigger;
    if (knuc_c_alloc(&bigger, 64 - t->shift + 1) < 0)
        return -1;
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].key)
            bigger.slots[knuc_c_find(&bigger, t->slots[i].key - 1)] = t->slots[i];
    }
    bigger.used = t->used;
    knuc_c_free(t);
    *t = bigger;
    return 0;
}

int knuc_c_count(knuc_c_table *t, const unsigned char *codes, size_t n, int k)
{
    if (!t->slots && knuc_c_alloc(t, KNUC_C_FIRST_BITS) < 0)
        return -1;
    uint64_t mask = k >= 32 ? ~0ULL : (1ULL << (2 * k)) - 1;
    uint64_t key = 0;
    for (size_t i = 0; i < n; i++) {
        key = ((key << 2) | codes[i]) & mask;
        if (i + 1 < (size_t)k)
            continue;
        size_t slot = knuc_c_find(t, key);
        if (t->slots[slot].key == 0) {
            if (2 * (t->used + 1) > t->mask + 1) { /* keep the load at most 1/2 */
                if (knuc_c_grow(t) < 0)
                    return -1;
                slot = knuc_c_find(t, key);
            }
            t->slots[slot].key = key + 1;
            t->used++;
        }
        t->slots[slot].count++;
    }
    return 0;
}

uint64_t knuc_c_get(const knuc_c_table *t, uint64_t key)
{
    if (!t->slots)
        return 0;
    size_t slot = knuc_c_find(t, key);
    return t->slots[slot].key ? t->slots[slot].count : 0;
}

void knuc_c_free(knuc_c_table *t)
{
    free(t->slots);
    t->slots = NULL;
}
