/* Hand-written C pidigits: the `c` rung, speedlab's ceiling for this kernel
 * without a big-number library. Gibbons' spigot on unsigned numbers of 32-bit
 * limbs updated in place, the same arithmetic as the Cython `native` rung;
 * compiled into speedlab._native.pidigits with the same flags. */
#ifndef SPEEDLAB_C_PIDIGITS_H
#define SPEEDLAB_C_PIDIGITS_H

#include <stddef.h>
#include <stdint.h>

/* A non-negative integer: `size` little-endian limbs (0 limbs is zero). */
typedef struct {
    uint32_t *limb;
    size_t size;
    size_t cap;
} pidigits_c_num;

/* The spigot's state. `b` is acc + 3 num (so every number stays >= 0);
 * t1 and t2 are scratch. `k` is the last term folded in. */
typedef struct {
    pidigits_c_num b, den, num, t1, t2;
    uint32_t k;
} pidigits_c_state;

/* Set up the initial state; 0, or -1 when out of memory. */
int pidigits_c_init(pidigits_c_state *s);

/* Release the state's memory (safe after a failed init). */
void pidigits_c_free(pidigits_c_state *s);

/* Fold in at most `terms` more terms, writing each digit produced as an ASCII
 * character at out[*count] and incrementing *count, stopping when *count == want.
 * Returns 0, or -1 when out of memory. */
int pidigits_c_run(pidigits_c_state *s, char *out, size_t *count, size_t want, uint32_t terms);

#endif
