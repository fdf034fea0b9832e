"""ChaCha20 (RFC 8439): the block function and encryption, read straight from the RFC.

The pure-Python twin (the ``python`` rung; compiled untyped it is the ``compiled``
rung). Section numbers refer to RFC 8439:

* 2.1  the quarter round on four 32-bit words: add, xor, rotate by 16, 12, 8, 7;
* 2.3  the block function: a 4x4 state of the constant "expand 32-byte k", the
  256-bit key, a 32-bit block counter and a 96-bit nonce, all little-endian
  words; 20 rounds (10 column rounds alternating with 10 diagonal rounds); the
  original state added back word by word; serialised little-endian: 64 bytes;
* 2.4  encryption: the plaintext XORed with the keystream of blocks
  ``counter, counter + 1, ...``; the last block may be partial. Decryption is
  the same operation.

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


def rotl(value, shift):
    """Rotate the 32-bit ``value`` left by ``shift`` bits."""
    return ((value << shift) & MASK) | (value >> (32 - shift))


def quarter_round(state, a, b, c, d):
    """The quarter round of RFC 8439, 2.1/2.2, on ``state[a], state[b], state[c], state[d]``."""
    state[a] = (state[a] + state[b]) & MASK
    state[d] = rotl(state[d] ^ state[a], 16)
    state[c] = (state[c] + state[d]) & MASK
    state[b] = rotl(state[b] ^ state[c], 12)
    state[a] = (state[a] + state[b]) & MASK
    state[d] = rotl(state[d] ^ state[a], 8)
    state[c] = (state[c] + state[d]) & MASK
    state[b] = rotl(state[b] ^ state[c], 7)


def initial_state(key, counter, nonce):
    """The 16-word state of RFC 8439, 2.3: constants, key, counter, nonce."""
    return [*CONSTANTS, *struct.unpack("<8L", key), counter, *struct.unpack("<3L", nonce)]


def block(key, counter, nonce):
    """One 64-byte keystream block (RFC 8439, 2.3)."""
    state = initial_state(key, counter, nonce)
    working = list(state)
    for _ in range(10):  # 20 rounds: a column round then a diagonal round, ten times
        quarter_round(working, 0, 4, 8, 12)
        quarter_round(working, 1, 5, 9, 13)
        quarter_round(working, 2, 6, 10, 14)
        quarter_round(working, 3, 7, 11, 15)
        quarter_round(working, 0, 5, 10, 15)
        quarter_round(working, 1, 6, 11, 12)
        quarter_round(working, 2, 7, 8, 13)
        quarter_round(working, 3, 4, 9, 14)
    return struct.pack("<16L", *((w + s) & MASK for w, s in zip(working, state)))


def encrypt(key, nonce, data, counter=1):
    """``data`` XORed with the keystream that starts at block ``counter`` (RFC 8439, 2.4)."""
    n_blocks = -(-len(data) // BLOCK_SIZE)
    keystream = b"".join(block(key, counter + i, nonce) for i in range(n_blocks))
    # One XOR of two big integers does the whole message at C speed: the time
    # of this twin is the block function's, as in the RFC's own pseudocode.
    plain = int.from_bytes(data, "little")
    stream = int.from_bytes(keystream[: len(data)], "little")
    return (plain ^ stream).to_bytes(len(data), "little")
