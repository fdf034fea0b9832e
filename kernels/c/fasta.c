/* Hand-written C fasta primitives (the `c` rung). See fasta.h. */
#include <string.h>

#include "fasta.h"

char *fasta_c_repeat(char *out, const char *seq2, size_t seqlen, size_t count, size_t *pos)
{
    size_t p = *pos;
    while (count > 0) {
        size_t width = count < FASTA_C_LINE ? count : FASTA_C_LINE;
        memcpy(out, seq2 + p, width);
        out += width;
        *out++ = '\n';
        p += width;
        if (p >= seqlen)
            p -= seqlen;
        count -= width;
    }
    *pos = p;
    return out;
}

void fasta_c_table(char *table, const char *symbols, const double *cumulative, int nsym)
{
    int last = nsym - 1;
    for (unsigned s = 0; s < FASTA_C_IM; s++) {
        double r = (double)s / FASTA_C_IM;
        /* bisect_right over the first nsym - 1 sums, without branches:
         * the sums are increasing, so the index is how many are <= r. */
        int k = 0;
        for (int j = 0; j < last; j++)
            k += cumulative[j] <= r;
        table[s] = symbols[k];
    }
}

char *fasta_c_random(char *out, const char *table, size_t count, unsigned *seed)
{
    unsigned state = *seed;
    while (count > 0) {
        size_t width = count < FASTA_C_LINE ? count : FASTA_C_LINE;
        for (size_t i = 0; i < width; i++) {
            state = (state * FASTA_C_IA + FASTA_C_IC) % FASTA_C_IM;
            out[i] = table[state];
        }
        out += width;
        *out++ = '\n';
        count -= width;
    }
    *seed = state;
    return out;
}
