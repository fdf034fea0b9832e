/* Hand-written C reverse-complement primitives (the `c` rung). See revcomp.h. */
#include <string.h>

#include "revcomp.h"

size_t revcomp_c_compact(unsigned char *dst, const unsigned char *src, size_t n)
{
    unsigned char *start = dst;
    const unsigned char *end = src + n;
    while (src < end) {
        const unsigned char *nl = memchr(src, '\n', (size_t)(end - src));
        size_t run = (nl ? nl : end) - src;
        memmove(dst, src, run);
        dst += run;
        if (!nl)
            break;
        src = nl + 1;
    }
    return (size_t)(dst - start);
}

unsigned char *revcomp_c_compact_reverse(unsigned char *dst_end, const unsigned char *src,
                                         size_t n, const unsigned char *table)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = src[i];
        if (c != '\n')
            *--dst_end = table[c];
    }
    return dst_end;
}

void revcomp_c_reverse(unsigned char *seq, size_t len, size_t lo, size_t hi,
                       const unsigned char *table)
{
    for (size_t i = lo; i < hi; i++) {
        unsigned char a = seq[i], b = seq[len - 1 - i];
        seq[i] = table[b];
        seq[len - 1 - i] = table[a];
    }
}

void revcomp_c_expand(unsigned char *buf, size_t len, size_t first, size_t last)
{
    for (size_t line = last; line-- > first;) {
        size_t from = line * REVCOMP_C_LINE;
        size_t width = len - from < REVCOMP_C_LINE ? len - from : REVCOMP_C_LINE;
        unsigned char *to = buf + line * (REVCOMP_C_LINE + 1);
        memmove(to, buf + from, width);
        to[width] = '\n';
    }
}
