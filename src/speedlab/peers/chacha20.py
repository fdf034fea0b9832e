"""ChaCha20 from the ``cryptography`` package (OpenSSL): a peer, the ceiling.

OpenSSL's ChaCha20 is hand-written assembly over SIMD registers (several blocks
at once); speedlab's rungs are portable scalar code, so this is the distance
between "compiled" and "hand-tuned for the CPU". Only used when ``cryptography``
is installed; it is never a dependency.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


def encrypt(key, nonce, data, counter):
    """``data`` XORed with the ChaCha20 keystream from block ``counter`` (RFC 8439)."""
    # NOTE: cryptography takes a 16-byte "nonce": the 32-bit little-endian block
    # counter followed by RFC 8439's 96-bit nonce (OpenSSL's layout).
    full_nonce = counter.to_bytes(4, "little") + bytes(nonce)
    encryptor = Cipher(algorithms.ChaCha20(bytes(key), full_nonce), mode=None).encryptor()
    return encryptor.update(data) + encryptor.finalize()
