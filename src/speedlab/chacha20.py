"""ChaCha20 (RFC 8439): the keystream block function and encryption.

ChaCha20 is the stream cipher of TLS 1.3 and WireGuard: 20 rounds of add,
rotate and xor on sixteen 32-bit words per 64-byte block. It is the ladder's
cleanest integer case. The pure twin is a readable transcription of the RFC
and spends its time boxing every 32-bit word into a Python int; ``typed``
unboxes the arithmetic but keeps the state in a Python list; ``native`` works on
``uint32_t`` arrays with no Python object and no GIL and matches hand-written
C; ``parallel`` splits the keystream by blocks (every block depends only on the
key, the nonce and its counter) across OpenMP threads. Where the
``cryptography`` package is installed, its OpenSSL ChaCha20 (hand-vectorised
assembly) is benchmarked beside the ladder as the ceiling; it is never a
dependency.

``speedlab run chacha20 N`` encrypts N MiB of a fixed pattern and prints the
SHA-256 of the ciphertext in hex. The definition, so anyone can check it:

* key   = bytes 0x00, 0x01, ..., 0x1f (``bytes(range(32))``, as in RFC 8439, 2.4.2);
* nonce = ``00 00 00 00 00 00 00 4a 00 00 00 00`` (the RFC's 2.4.2 nonce);
* counter = 1 (the first block of the ciphertext uses counter 1);
* plaintext = ``N * 2**20`` bytes, byte ``i`` equal to ``i % 251`` (a prime,
  so the pattern does not line up with the 64-byte blocks).

For example in Python, with any RFC 8439 implementation ``encrypt``::

    data = bytes(i % 251 for i in range(n << 20))
    hashlib.sha256(encrypt(bytes(range(32)), bytes.fromhex("000000000000004a00000000"),
                           data, 1)).hexdigest()

>>> from speedlab import chacha20
>>> chacha20.encrypt(bytes(32), bytes(12), b"hello", counter=0).hex()
'1edd8cc1cf'
"""

from __future__ import annotations

from speedlab._impl import call
from speedlab._validate import check_int
from speedlab.spec import KernelSpec, Sizes, Variant

KEY_SIZE = 32
NONCE_SIZE = 12
BLOCK_SIZE = 64
#: The block counter is one 32-bit word of the state (RFC 8439, 2.3).
COUNTER_MAX = 2**32 - 1

#: The fixed input of ``speedlab run chacha20 N`` (see the module docstring).
RUN_KEY = bytes(range(KEY_SIZE))
RUN_NONCE = bytes.fromhex("000000000000004a00000000")
RUN_COUNTER = 1
#: The pattern's period: a prime, so it does not line up with 64-byte blocks.
PATTERN_PERIOD = 251
MIB = 1 << 20
#: ``speedlab run chacha20 N`` holds the plaintext, the ciphertext and (while
#: building the input) one more copy: ~3 GiB at a 1 GiB cap, 16x the 64 MiB
#: headline; larger N is refused rather than left to exhaust memory.
MAX_RUN_MIB = 1024


def _bytes_arg(name, value, size=None):
    """``value`` as a C-contiguous byte buffer; TypeError for str or a non-buffer."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be bytes or a bytes-like object, not str (encode it first)")
    if isinstance(value, bytes):
        view = value
    else:
        try:
            view = memoryview(value)
        except TypeError:
            raise TypeError(f"{name} must be bytes or a bytes-like object, not {type(value).__name__}") from None
        if not view.c_contiguous:
            raise ValueError(f"{name} must be a C-contiguous buffer")
        view = view.cast("B")
    if size is not None and len(view) != size:
        raise ValueError(f"{name} must be {size} bytes long, got {len(view)}")
    return view


def _check(key, nonce, data, counter):
    key = bytes(_bytes_arg("key", key, KEY_SIZE))
    nonce = bytes(_bytes_arg("nonce", nonce, NONCE_SIZE))
    data = _bytes_arg("data", data)
    if isinstance(counter, int) and not isinstance(counter, bool) and not 0 <= counter <= COUNTER_MAX:
        raise OverflowError(f"counter must be in 0..2**32-1 (a 32-bit word), got {counter}")
    counter = check_int("counter", counter, minimum=0, maximum=COUNTER_MAX)
    n_blocks = -(-len(data) // BLOCK_SIZE)
    if n_blocks and counter + n_blocks - 1 > COUNTER_MAX:
        raise OverflowError(
            f"the block counter would wrap: {len(data):,} bytes need {n_blocks:,} blocks "
            f"from counter {counter}, past 2**32-1"
        )
    return key, nonce, data, counter


def encrypt(key, nonce, data, counter=1, *, impl=None, n_threads=None):
    """Encrypt (or decrypt: it is the same operation) ``data`` with ChaCha20.

    Parameters
    ----------
    key : bytes-like
        The 256-bit key: exactly 32 bytes.
    nonce : bytes-like
        The 96-bit nonce: exactly 12 bytes.
    data : bytes-like
        The message; bytes or any C-contiguous buffer (read as raw bytes).
    counter : int, optional
        The block counter of the first 64 bytes, 0 <= counter <= 2**32 - 1
        (default 1, as in RFC 8439's AEAD construction). The counter of the
        last block must not pass 2**32 - 1.
    impl : str, optional
        Variant to run (``python``, ``compiled``, ``typed``, ``native``,
        ``parallel``, ``c``, and ``cryptography`` when that package is
        installed); None follows ``SPEEDLAB_IMPL`` (native when built).
    n_threads : int, optional
        Threads for the ``parallel`` variant (None = all cores); a ValueError
        with any other variant.

    Returns
    -------
    bytes
        ``data`` XORed with the keystream; as long as ``data``.

    Raises
    ------
    TypeError
        ``key``, ``nonce`` or ``data`` is a str or not a buffer; ``counter`` or
        ``n_threads`` is not an integer; ``impl`` is not a string.
    ValueError
        ``key`` is not 32 bytes or ``nonce`` not 12 bytes; a buffer is not
        C-contiguous; ``n_threads`` < 1; ``impl`` is unknown.
    OverflowError
        ``counter`` is outside 0..2**32 - 1, or the counter would wrap
        before the end of ``data``.
    ImportError
        The requested compiled variant is not built.
    """
    key, nonce, data, counter = _check(key, nonce, data, counter)
    return call("chacha20", impl, key, nonce, data, counter, n_threads=n_threads)


def block(key, counter, nonce, *, impl=None):
    """One 64-byte keystream block: the ChaCha20 block function (RFC 8439, 2.3).

    It is the keystream of block ``counter``, i.e. the encryption of 64 zero
    bytes starting at that counter.

    Parameters
    ----------
    key : bytes-like
        Exactly 32 bytes.
    counter : int
        The block counter, 0 <= counter <= 2**32 - 1.
    nonce : bytes-like
        Exactly 12 bytes.
    impl : str, optional
        Variant to run, as for :func:`encrypt`.

    Returns
    -------
    bytes
        The 64 bytes of keystream.

    Raises
    ------
    TypeError, ValueError, OverflowError, ImportError
        As for :func:`encrypt`.
    """
    return encrypt(key, nonce, bytes(BLOCK_SIZE), counter, impl=impl)


def run_input(mib):
    """The arguments of ``encrypt`` for ``speedlab run chacha20 mib`` (see the module docstring)."""
    mib = check_int("N (MiB)", mib, minimum=0, maximum=MAX_RUN_MIB)
    size = mib * MIB
    period = bytes(range(PATTERN_PERIOD))
    data = (period * (size // PATTERN_PERIOD + 1))[:size]
    return RUN_KEY, RUN_NONCE, data, RUN_COUNTER


def render(result, n):
    """The output of ``speedlab run chacha20 n``: the ciphertext's SHA-256 in hex, one line."""
    import hashlib  # here, not at import: loading OpenSSL is a tenth of the CLI's start-up

    return hashlib.sha256(result).hexdigest().encode("ascii") + b"\n"


def _mebibytes(n):
    return float(n) * MIB


def _chacha20_random(rng):
    """A random key, nonce and message (any length, not only whole blocks) and a valid counter."""
    size = rng.choice((0, 1, 63, 64, 65, 127, 128, rng.randint(0, 4096), rng.randint(60_000, 140_000)))
    n_blocks = -(-size // BLOCK_SIZE)
    # A quarter of the draws end exactly at the last counter, the edge of wrapping.
    last = COUNTER_MAX - max(n_blocks - 1, 0)
    counter = last if rng.random() < 0.25 else rng.randint(0, last)
    return rng.randbytes(32), rng.randbytes(12), rng.randbytes(size), counter


def split(args, parts):
    """Cut an ``encrypt`` call into ``parts`` calls on block-aligned byte ranges.

    Part ``i`` encrypts bytes ``[64 b_i, 64 b_{i+1})`` of ``data`` (the last
    part up to its end) starting at block counter ``counter + b_i``, with
    ``b_i = i * blocks // parts``. Exact: ChaCha20's keystream block ``j``
    depends only on the key, the nonce and the counter ``counter + j``, and the
    ciphertext is the data XORed with the keystream byte by byte; a part that
    starts at a block boundary with the counter advanced by the blocks before it
    uses, for every one of its bytes, exactly the keystream byte the whole call
    would, so the parts' outputs concatenated are the whole call's output. (A
    part starting inside a block would need the keystream from the middle of a
    block, which ``encrypt`` cannot start at: hence block-aligned offsets.)
    The counter never wraps: the whole call was checked not to, and each part
    uses a sub-range of its counters.

    Parameters
    ----------
    args : tuple
        ``(key, nonce, data[, counter])``, as :func:`encrypt` takes them.
    parts : int
        1 to the number of 64-byte blocks of ``data`` (1 for empty data).

    Returns
    -------
    list of tuple
        ``(key, nonce, data_slice, counter)`` per part; the slices are
        memoryviews of ``data`` (no copy).

    Raises
    ------
    TypeError, ValueError, OverflowError
        As :func:`encrypt` for the arguments; ``parts`` out of range.
    """
    from speedlab.parts import check_parts, spans

    if not 3 <= len(args) <= 4:
        raise TypeError(f"chacha20 split takes (key, nonce, data[, counter]), got {len(args)} arguments")
    key, nonce, data, counter = _check(*args[:3], args[3] if len(args) == 4 else RUN_COUNTER)
    view = memoryview(data).cast("B") if not isinstance(data, memoryview) else data
    blocks = -(-len(view) // BLOCK_SIZE)
    parts = check_parts(parts, blocks, "one 64-byte block per part at most")
    return [(key, nonce, view[begin * BLOCK_SIZE:end * BLOCK_SIZE], counter + begin)
            for begin, end in spans(blocks, parts)]


def combine(results, args):
    """The whole ciphertext: the parts' ciphertexts in order (see :func:`split`)."""
    return b"".join(results)


#: What the catalog knows about this kernel (speedlab list/run/verify/bench/explain read it).
SPEC = KernelSpec(
    name="chacha20",
    summary="RFC 8439 ChaCha20: encrypt N MiB of a fixed pattern, print the ciphertext's SHA-256",
    api="speedlab.chacha20:encrypt",
    variants=(
        # pure Python encrypts about 1 MiB/s; bigger runs are normalised per byte
        Variant("python", "speedlab.pure.chacha20:encrypt", max_n=1),
        Variant("compiled", "speedlab._compiled.chacha20:encrypt", max_n=1),
        Variant("typed", "speedlab._native.chacha20:encrypt_typed", max_n=4),
        Variant("native", "speedlab._native.chacha20:encrypt_native"),
        Variant("simd", "speedlab._native.chacha20:encrypt_simd",
                note="4/8/16 blocks at once, word i of each in one vector (SSE2, AVX2, AVX-512; NEON)"),
        Variant("parallel", "speedlab._native.chacha20:encrypt_parallel", threads=True,
                note="the simd rung's 2 MiB pieces over OpenMP threads, the calling thread "
                "faulting the output in ahead of the writers"),
        Variant("c", "speedlab._native.chacha20:encrypt_c"),
        Variant("rust", "speedlab._native.chacha20:encrypt_rust", feature="rust"),
        Variant("cryptography", "speedlab.peers.chacha20:encrypt", optional=True, peer=True,
                note="OpenSSL's SIMD assembly via the cryptography package: the ceiling"),
    ),
    make_input=run_input,
    # n is in MiB; the headline is PROGRAMS.md's 64 MiB
    sizes=Sizes(test=1, quick=16, full=64, headline=64),
    unit="byte",
    work=_mebibytes,
    render=render,
    # The RFC 8439 vectors (tests/test_py) and random inputs of every
    # length check the variants; 1 MiB through pure Python costs ~1.7 s per call,
    # too much to repeat for every variant in every catalog test.
    sample_sizes=(0,),
    random_input=_chacha20_random,
    bad_inputs=(
        ((bytes(31), bytes(12), b"x"), ValueError),  # key must be 32 bytes
        ((bytes(33), bytes(12), b"x"), ValueError),
        ((bytes(32), bytes(8), b"x"), ValueError),  # nonce must be 12 bytes (not the original 8)
        ((bytes(32), bytes(12), b"x", -1), (OverflowError, ValueError)),
        ((bytes(32), bytes(12), b"x", 2**32), (OverflowError, ValueError)),
        ((bytes(32), bytes(12), bytes(65), 2**32 - 1), (OverflowError, ValueError)),  # wraps
        ((bytes(32), bytes(12), "text"), TypeError),
        (("k" * 32, bytes(12), b"x"), TypeError),
        ((bytes(32), "n" * 12, b"x"), TypeError),
        ((bytes(32), bytes(12), 12345), TypeError),
        ((bytes(32), bytes(12), b"x", 1.0), TypeError),
        ((bytes(32), bytes(12), b"x", True), TypeError),
    ),
    split=split,
    combine=combine,
)
