/* Hand-written C ChaCha20 (RFC 8439): the `c` rung, speedlab's ceiling for this
 * kernel. Same algorithm as every other rung, scalar and portable (no SIMD);
 * compiled into speedlab._native.chacha20 with the same flags as the Cython code. */
#ifndef SPEEDLAB_C_CHACHA20_H
#define SPEEDLAB_C_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

/* XOR `len` bytes of `src` into `dst` with the keystream of `state` (the 16-word
 * initial state of RFC 8439, 2.3; word 12 is the counter of the first block).
 * The caller guarantees that the counter does not wrap. */
void chacha20_c_xor(const uint32_t state[16], const unsigned char *src,
                    unsigned char *dst, size_t len);

#endif
