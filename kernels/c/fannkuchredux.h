/* Hand-written C fannkuch-redux: the `c` rung, speedlab's ceiling for this kernel.
 * Same algorithm as the `native` rung (an odometer over the permutations in the
 * task's order, a copy-and-reverse flip counter), compiled into
 * speedlab._native.fannkuchredux with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_FANNKUCHREDUX_H
#define SPEEDLAB_C_FANNKUCHREDUX_H

/* The largest n the kernel accepts: 16! permutations already take hours. */
#define FANNKUCHREDUX_C_MAX_N 16

typedef struct {
    int n;
    long long index;                    /* position of `perm` in the task's order */
    int perm[FANNKUCHREDUX_C_MAX_N];    /* the current permutation of 0..n-1 */
    int count[FANNKUCHREDUX_C_MAX_N];   /* odometer digits: count[r] in 0..r */
} fannkuchredux_c_state;

/* Set `s` to the permutation at `index` (0 <= index < n!) of 0..n-1. */
void fannkuchredux_c_start(fannkuchredux_c_state *s, int n, long long index);

/* Visit `steps` permutations from the current one, adding each one's signed flip
 * count to *checksum and raising *max_flips; `s` is left on the next permutation. */
void fannkuchredux_c_run(fannkuchredux_c_state *s, long long steps,
                         long long *checksum, int *max_flips);

#endif
