"""ChaCha20 (RFC 8439): the block function and encryption, read straight from the RFC.

The pure-Python twin (the ``python`` rung; compiled untyped it is the ``compiled``
rung). Section numbers refer to RFC 8439:

* 2.1  the quarter round on four 32-bit words a, b, c, d::

      a += b; d ^= a; d <<<= 16;   c += d; b ^= c; b <<<= 12;
      a += b; d ^= a; d <<<= 8;    c += d; b ^= c; b <<<= 7;

* 2.3  the block function: a 4x4 state of the constant "expand 32-byte k", the
  256-bit key, a 32-bit block counter and a 96-bit nonce, all little-endian
  words; 20 rounds (10 column rounds alternating with 10 diagonal rounds); the
  original state added back word by word; serialised little-endian: 64 bytes;
* 2.4  encryption: the plaintext XORed with the keystream of blocks
  ``counter, counter + 1, ...``; the last block may be partial. Decryption is
  the same operation.

The sixteen state words are sixteen local variables and the quarter rounds are
written out in place, one line per "add, xor, rotate" step. The form the RFC's
pseudocode suggests, a ``quarter_round(state, a, b, c, d)`` function updating a
16-element list, pays a call and eight list reads and writes per quarter round,
80 per block: it took 1.5x the CPU time of a plain-Python RFC 8439
implementation written for speed, which this form matches, for 4 MiB
(``python benchmarks/baselines.py chacha20``).

Arguments are not validated here; ``speedlab.chacha20`` does that.
"""

from __future__ import annotations

import struct

#: Words are 32 bits: every sum is taken modulo 2**32.
MASK = 0xFFFFFFFF
#: "expand 32-byte k" as four little-endian words (RFC 8439, 2.3).
CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
#: Bytes per block: sixteen 32-bit words.
BLOCK_SIZE = 64
#: Serialises one block's sixteen words, little-endian.
_PACK_BLOCK = struct.Struct("<16L").pack


def keystream(key, nonce, counter, n_blocks):
    """Keystream blocks ``counter .. counter + n_blocks - 1``, concatenated (RFC 8439, 2.3)."""
    c0, c1, c2, c3 = CONSTANTS
    k0, k1, k2, k3, k4, k5, k6, k7 = struct.unpack("<8L", key)
    n0, n1, n2 = struct.unpack("<3L", nonce)
    blocks = []
    # NOTE: one line per "add; xor; rotate" step of 2.1, three statements each,
    # reads like the RFC's own notation; a rotation left by r is
    # (x << r & MASK) | x >> (32 - r).
    for block_counter in range(counter, counter + n_blocks):
        x0, x1, x2, x3 = c0, c1, c2, c3
        x4, x5, x6, x7, x8, x9, x10, x11 = k0, k1, k2, k3, k4, k5, k6, k7
        x12, x13, x14, x15 = block_counter, n0, n1, n2
        for _ in range(10):  # 20 rounds: a column round then a diagonal round, ten times
            # Column round: (0, 4, 8, 12) (1, 5, 9, 13) (2, 6, 10, 14) (3, 7, 11, 15).
            x0 = (x0 + x4) & MASK; x12 ^= x0; x12 = (x12 << 16 & MASK) | x12 >> 16
            x8 = (x8 + x12) & MASK; x4 ^= x8; x4 = (x4 << 12 & MASK) | x4 >> 20
            x0 = (x0 + x4) & MASK; x12 ^= x0; x12 = (x12 << 8 & MASK) | x12 >> 24
            x8 = (x8 + x12) & MASK; x4 ^= x8; x4 = (x4 << 7 & MASK) | x4 >> 25
            x1 = (x1 + x5) & MASK; x13 ^= x1; x13 = (x13 << 16 & MASK) | x13 >> 16
            x9 = (x9 + x13) & MASK; x5 ^= x9; x5 = (x5 << 12 & MASK) | x5 >> 20
            x1 = (x1 + x5) & MASK; x13 ^= x1; x13 = (x13 << 8 & MASK) | x13 >> 24
            x9 = (x9 + x13) & MASK; x5 ^= x9; x5 = (x5 << 7 & MASK) | x5 >> 25
            x2 = (x2 + x6) & MASK; x14 ^= x2; x14 = (x14 << 16 & MASK) | x14 >> 16
            x10 = (x10 + x14) & MASK; x6 ^= x10; x6 = (x6 << 12 & MASK) | x6 >> 20
            x2 = (x2 + x6) & MASK; x14 ^= x2; x14 = (x14 << 8 & MASK) | x14 >> 24
            x10 = (x10 + x14) & MASK; x6 ^= x10; x6 = (x6 << 7 & MASK) | x6 >> 25
            x3 = (x3 + x7) & MASK; x15 ^= x3; x15 = (x15 << 16 & MASK) | x15 >> 16
            x11 = (x11 + x15) & MASK; x7 ^= x11; x7 = (x7 << 12 & MASK) | x7 >> 20
            x3 = (x3 + x7) & MASK; x15 ^= x3; x15 = (x15 << 8 & MASK) | x15 >> 24
            x11 = (x11 + x15) & MASK; x7 ^= x11; x7 = (x7 << 7 & MASK) | x7 >> 25
            # Diagonal round: (0, 5, 10, 15) (1, 6, 11, 12) (2, 7, 8, 13) (3, 4, 9, 14).
            x0 = (x0 + x5) & MASK; x15 ^= x0; x15 = (x15 << 16 & MASK) | x15 >> 16
            x10 = (x10 + x15) & MASK; x5 ^= x10; x5 = (x5 << 12 & MASK) | x5 >> 20
            x0 = (x0 + x5) & MASK; x15 ^= x0; x15 = (x15 << 8 & MASK) | x15 >> 24
            x10 = (x10 + x15) & MASK; x5 ^= x10; x5 = (x5 << 7 & MASK) | x5 >> 25
            x1 = (x1 + x6) & MASK; x12 ^= x1; x12 = (x12 << 16 & MASK) | x12 >> 16
            x11 = (x11 + x12) & MASK; x6 ^= x11; x6 = (x6 << 12 & MASK) | x6 >> 20
            x1 = (x1 + x6) & MASK; x12 ^= x1; x12 = (x12 << 8 & MASK) | x12 >> 24
            x11 = (x11 + x12) & MASK; x6 ^= x11; x6 = (x6 << 7 & MASK) | x6 >> 25
            x2 = (x2 + x7) & MASK; x13 ^= x2; x13 = (x13 << 16 & MASK) | x13 >> 16
            x8 = (x8 + x13) & MASK; x7 ^= x8; x7 = (x7 << 12 & MASK) | x7 >> 20
            x2 = (x2 + x7) & MASK; x13 ^= x2; x13 = (x13 << 8 & MASK) | x13 >> 24
            x8 = (x8 + x13) & MASK; x7 ^= x8; x7 = (x7 << 7 & MASK) | x7 >> 25
            x3 = (x3 + x4) & MASK; x14 ^= x3; x14 = (x14 << 16 & MASK) | x14 >> 16
            x9 = (x9 + x14) & MASK; x4 ^= x9; x4 = (x4 << 12 & MASK) | x4 >> 20
            x3 = (x3 + x4) & MASK; x14 ^= x3; x14 = (x14 << 8 & MASK) | x14 >> 24
            x9 = (x9 + x14) & MASK; x4 ^= x9; x4 = (x4 << 7 & MASK) | x4 >> 25
        # The original state added back, word by word, and serialised.
        blocks.append(_PACK_BLOCK(
            (x0 + c0) & MASK, (x1 + c1) & MASK, (x2 + c2) & MASK, (x3 + c3) & MASK,
            (x4 + k0) & MASK, (x5 + k1) & MASK, (x6 + k2) & MASK, (x7 + k3) & MASK,
            (x8 + k4) & MASK, (x9 + k5) & MASK, (x10 + k6) & MASK, (x11 + k7) & MASK,
            (x12 + block_counter) & MASK, (x13 + n0) & MASK, (x14 + n1) & MASK, (x15 + n2) & MASK,
        ))
    return b"".join(blocks)


def block(key, counter, nonce):
    """One 64-byte keystream block (RFC 8439, 2.3)."""
    return keystream(key, nonce, counter, 1)


def encrypt(key, nonce, data, counter=1):
    """``data`` XORed with the keystream that starts at block ``counter`` (RFC 8439, 2.4)."""
    n_blocks = -(-len(data) // BLOCK_SIZE)
    stream = keystream(key, nonce, counter, n_blocks)[: len(data)]
    # One XOR of two big integers does the whole message at C speed: the time
    # of this twin is the block function's, as in the RFC's own pseudocode.
    plain = int.from_bytes(data, "little")
    return (plain ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")
