/* Hand-written C pidigits: the `c` rung. See pidigits.h. */
#include <stdlib.h>
#include <string.h>

#include "pidigits.h"

typedef pidigits_c_num num;

/* Make room for at least `want` limbs (doubling, so growth is amortised). */
static int reserve(num *x, size_t want)
{
    size_t cap;
    uint32_t *grown;
    if (x->cap >= want)
        return 0;
    cap = x->cap ? x->cap : 16;
    while (cap < want)
        cap *= 2;
    grown = realloc(x->limb, cap * sizeof *grown);
    if (grown == NULL)
        return -1;
    x->limb = grown;
    x->cap = cap;
    return 0;
}

static void normalise(num *x)
{
    while (x->size > 0 && x->limb[x->size - 1] == 0)
        x->size--;
}

static int compare(const num *x, const num *y)
{
    size_t i;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    for (i = x->size; i-- > 0;)
        if (x->limb[i] != y->limb[i])
            return x->limb[i] < y->limb[i] ? -1 : 1;
    return 0;
}

/* x *= m */
static void mul_small(num *x, uint32_t m)
{
    uint64_t carry = 0;
    size_t i;
    for (i = 0; i < x->size; i++) {
        uint64_t p = (uint64_t)x->limb[i] * m + carry;
        x->limb[i] = (uint32_t)p;
        carry = p >> 32;
    }
    if (carry)
        x->limb[x->size++] = (uint32_t)carry;
    normalise(x);
}

/* t = y * m */
static void set_mul_small(num *t, const num *y, uint32_t m)
{
    uint64_t carry = 0;
    size_t i;
    for (i = 0; i < y->size; i++) {
        uint64_t p = (uint64_t)y->limb[i] * m + carry;
        t->limb[i] = (uint32_t)p;
        carry = p >> 32;
    }
    t->size = y->size;
    if (carry)
        t->limb[t->size++] = (uint32_t)carry;
    normalise(t);
}

/* x += y * m */
static void add_mul_small(num *x, const num *y, uint32_t m)
{
    uint64_t carry = 0;
    size_t i;
    while (x->size < y->size)
        x->limb[x->size++] = 0;
    for (i = 0; i < y->size; i++) {
        uint64_t p = (uint64_t)x->limb[i] + (uint64_t)y->limb[i] * m + carry;
        x->limb[i] = (uint32_t)p;
        carry = p >> 32;
    }
    for (; carry && i < x->size; i++) {
        uint64_t p = (uint64_t)x->limb[i] + carry;
        x->limb[i] = (uint32_t)p;
        carry = p >> 32;
    }
    if (carry)
        x->limb[x->size++] = (uint32_t)carry;
}

/* x -= y * m; the caller guarantees the result is >= 0 */
static void sub_mul_small(num *x, const num *y, uint32_t m)
{
    uint64_t carry = 0, borrow = 0;
    size_t i;
    for (i = 0; i < y->size; i++) {
        uint64_t p = (uint64_t)y->limb[i] * m + carry;
        uint64_t diff = (uint64_t)x->limb[i] - (uint32_t)p - borrow;
        carry = p >> 32;
        x->limb[i] = (uint32_t)diff;
        borrow = diff >> 63; /* 1 when the subtraction wrapped */
    }
    for (; (carry | borrow) && i < x->size; i++) {
        uint64_t diff = (uint64_t)x->limb[i] - carry - borrow;
        carry = 0;
        x->limb[i] = (uint32_t)diff;
        borrow = diff >> 63;
    }
    normalise(x);
}

/* floor(a / d) for a quotient known to be small, using t as scratch: a
 * floating-point estimate from the top limbs, then corrected exactly. */
static uint32_t quotient(const num *a, const num *d, num *t)
{
    size_t i, low;
    double top_a = 0.0, top_d = 0.0, estimate;
    uint32_t q;
    if (compare(a, d) < 0)
        return 0;
    low = d->size >= 2 ? d->size - 2 : 0; /* 64+ bits of d: far past a double's 53 */
    for (i = a->size; i-- > low;)
        top_a = top_a * 4294967296.0 + a->limb[i];
    for (i = d->size; i-- > low;)
        top_d = top_d * 4294967296.0 + d->limb[i];
    estimate = top_a / top_d;
    q = estimate < 4294967295.0 ? (uint32_t)estimate : 4294967295u;
    set_mul_small(t, d, q);
    while (compare(t, a) > 0) { /* the estimate was one too high */
        q--;
        sub_mul_small(t, d, 1);
    }
    add_mul_small(t, d, 1);
    while (compare(t, a) <= 0) { /* ... or one too low */
        q++;
        add_mul_small(t, d, 1);
    }
    return q;
}

int pidigits_c_init(pidigits_c_state *s)
{
    memset(s, 0, sizeof *s);
    if (reserve(&s->b, 16) || reserve(&s->den, 16) || reserve(&s->num, 16)
        || reserve(&s->t1, 16) || reserve(&s->t2, 16))
        return -1;
    s->b.limb[0] = 3; /* acc = 0, num = 1: b = acc + 3 num = 3 */
    s->b.size = 1;
    s->den.limb[0] = 1;
    s->den.size = 1;
    s->num.limb[0] = 1;
    s->num.size = 1;
    return 0;
}

void pidigits_c_free(pidigits_c_state *s)
{
    free(s->b.limb);
    free(s->den.limb);
    free(s->num.limb);
    free(s->t1.limb);
    free(s->t2.limb);
    memset(s, 0, sizeof *s);
}

int pidigits_c_run(pidigits_c_state *s, char *out, size_t *count, size_t want, uint32_t terms)
{
    uint32_t k2, d3, d4;
    size_t room;
    while (terms-- > 0 && *count < want) {
        /* One term adds at most two limbs to any number; the scratch holds b + num. */
        room = s->b.size;
        if (s->den.size > room)
            room = s->den.size;
        if (s->num.size > room)
            room = s->num.size;
        room += 4;
        if (reserve(&s->b, room) || reserve(&s->den, room) || reserve(&s->num, room)
            || reserve(&s->t1, room) || reserve(&s->t2, room))
            return -1;
        s->k++;
        k2 = 2 * s->k + 1;
        /* acc = (acc + 2 num) k2 and num = num k, so b = b k2 + num (k - 1) */
        mul_small(&s->b, k2);
        add_mul_small(&s->b, &s->num, s->k - 1);
        mul_small(&s->den, k2);
        mul_small(&s->num, s->k);
        set_mul_small(&s->t1, &s->num, 4); /* num > acc  <=>  4 num > b */
        if (compare(&s->t1, &s->b) > 0)
            continue;
        d3 = quotient(&s->b, &s->den, &s->t2); /* extract(3) = floor(b / den) */
        memcpy(s->t1.limb, s->b.limb, s->b.size * sizeof *s->b.limb);
        s->t1.size = s->b.size;
        add_mul_small(&s->t1, &s->num, 1);
        d4 = quotient(&s->t1, &s->den, &s->t2); /* extract(4) = floor((b + num) / den) */
        if (d3 != d4)
            continue;
        out[(*count)++] = (char)('0' + d3);
        /* acc = 10 (acc - d den) and num = 10 num, so b = 10 (b - d den) */
        sub_mul_small(&s->b, &s->den, d3);
        mul_small(&s->b, 10);
        mul_small(&s->num, 10);
    }
    return 0;
}
