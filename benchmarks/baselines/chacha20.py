"""ChaCha20 (RFC 8439) in plain Python: the reference the ``python`` rung is measured against.

    python benchmarks/baselines/chacha20.py N

Prints what ``speedlab run chacha20 N`` prints: the SHA-256 of N MiB of the
pattern ``i % 251`` encrypted with the key 00 01 .. 1f, the RFC's 2.4.2 nonce
and counter 1. Standard library only, one process, written for speed the
straightforward way: the sixteen state words are sixteen local ints, the
quarter rounds (RFC 8439, 2.1) are written out in place, ten double rounds per
block; the key and nonce words are unpacked once per message, each block is
serialised with one precompiled ``struct`` and the message is XORed with the
whole keystream as two big integers.
"""

import hashlib
import struct
import sys

MASK = 0xFFFFFFFF
CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"
PACK = struct.Struct("<16L").pack


def keystream(key, nonce, counter, n_blocks):
    """The keystream blocks ``counter .. counter + n_blocks - 1``, concatenated."""
    k0, k1, k2, k3, k4, k5, k6, k7 = struct.unpack("<8L", key)
    n0, n1, n2 = struct.unpack("<3L", nonce)
    c0, c1, c2, c3 = CONSTANTS
    blocks = []
    for count in range(counter, counter + n_blocks):
        x0, x1, x2, x3 = c0, c1, c2, c3
        x4, x5, x6, x7, x8, x9, x10, x11 = k0, k1, k2, k3, k4, k5, k6, k7
        x12, x13, x14, x15 = count, n0, n1, n2
        for _ in range(10):
            # column round: (0, 4, 8, 12) (1, 5, 9, 13) (2, 6, 10, 14) (3, 7, 11, 15)
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
            # diagonal round: (0, 5, 10, 15) (1, 6, 11, 12) (2, 7, 8, 13) (3, 4, 9, 14)
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
        blocks.append(PACK(
            (x0 + c0) & MASK, (x1 + c1) & MASK, (x2 + c2) & MASK, (x3 + c3) & MASK,
            (x4 + k0) & MASK, (x5 + k1) & MASK, (x6 + k2) & MASK, (x7 + k3) & MASK,
            (x8 + k4) & MASK, (x9 + k5) & MASK, (x10 + k6) & MASK, (x11 + k7) & MASK,
            (x12 + count) & MASK, (x13 + n0) & MASK, (x14 + n1) & MASK, (x15 + n2) & MASK,
        ))
    return b"".join(blocks)


def encrypt(key, nonce, data, counter):
    """``data`` XORed with the keystream from block ``counter`` (RFC 8439, 2.4)."""
    stream = keystream(key, nonce, counter, -(-len(data) // 64))[:len(data)]
    mixed = int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")
    return mixed.to_bytes(len(data), "little")


def main(mib):
    size = mib << 20
    data = (bytes(range(251)) * (size // 251 + 1))[:size]
    key = bytes(range(32))
    nonce = bytes.fromhex("000000000000004a00000000")
    sys.stdout.write(hashlib.sha256(encrypt(key, nonce, data, 1)).hexdigest() + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]))
