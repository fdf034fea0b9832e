/* Hand-written C fannkuch-redux (the `c` rung). See fannkuchredux.h. */
#include "fannkuchredux.h"

void fannkuchredux_c_start(fannkuchredux_c_state *s, int n, long long index)
{
    long long fact = 1;
    int tmp[FANNKUCHREDUX_C_MAX_N];
    s->n = n;
    s->index = index;
    for (int i = 0; i < n; i++) {
        s->perm[i] = i;
        s->count[i] = 0;
    }
    for (int r = 1; r < n; r++)
        fact *= r; /* (n - 1)! */
    /* Digit r of the index in factorial base: how often the first r + 1 rotated. */
    for (int r = n - 1; r > 0; r--) {
        int turns = (int)(index / fact);
        index %= fact;
        fact /= r;
        s->count[r] = turns;
        for (int i = 0; i <= r; i++)
            tmp[i] = s->perm[i];
        for (int i = 0; i <= r; i++)
            s->perm[i] = tmp[i + turns <= r ? i + turns : i + turns - r - 1];
    }
}

/* Prefix reversals of a copy of `perm` until its first element is 0. */
static int count_flips(const int *perm, int n)
{
    int p[FANNKUCHREDUX_C_MAX_N];
    int first = perm[0], flips = 0;
    if (first == 0)
        return 0;
    for (int i = 0; i < n; i++)
        p[i] = perm[i];
    while (first != 0) {
        for (int i = 0, j = first; i < j; i++, j--) {
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        flips++;
        first = p[0];
    }
    return flips;
}

void fannkuchredux_c_run(fannkuchredux_c_state *s, long long steps,
                         long long *checksum, int *max_flips)
{
    int n = s->n;
    int *perm = s->perm, *count = s->count;
    long long sum = *checksum, index = s->index;
    int best = *max_flips;
    for (long long step = 0; step < steps; step++) {
        int flips = count_flips(perm, n);
        sum += (index & 1) ? -flips : flips;
        if (flips > best)
            best = flips;
        index++;
        /* Next permutation: rotate the first r + 1 left, carrying while digit r wraps. */
        for (int r = 1; r < n; r++) {
            int first = perm[0];
            for (int i = 0; i < r; i++)
                perm[i] = perm[i + 1];
            perm[r] = first;
            if (++count[r] <= r)
                break;
            count[r] = 0;
        }
    }
    s->index = index;
    *checksum = sum;
    *max_flips = best;
}
