"""ChaCha20: the RFC 8439 vectors for every variant, and behaviour the catalog tests cannot see."""

import random

import pytest

from conftest import SHARED_ORACLES
from speedlab import catalog, chacha20

SPEC = catalog.get("chacha20")
# An optional peer (cryptography) that is not installed is left out, as conftest does.
VARIANTS = [pytest.param(v.name, id=v.name, marks=[pytest.mark.native] if v.compiled else [])
            for v in SPEC.variants if not (v.optional and not v.available())]


def rfc_vectors():
    """(name, key, nonce, counter, plaintext or None, expected) from the oracle file."""
    path = SHARED_ORACLES / "chacha20-rfc8439.txt"
    text = path.read_text() if path.exists() else catalog.oracle_path("chacha20-rfc8439.txt").read_text()
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, key, nonce, counter, plain, expected = (field.strip() for field in line.split("|"))
        rows.append((name, bytes.fromhex(key), bytes.fromhex(nonce), int(counter),
                     None if plain == "-" else bytes.fromhex(plain), bytes.fromhex(expected)))
    return rows


def test_the_oracle_file_has_block_and_encryption_vectors():
    rows = rfc_vectors()
    assert sum(plain is None for *_, plain, _ in rows) >= 6
    assert sum(plain is not None for *_, plain, _ in rows) >= 1


@pytest.mark.parametrize("impl", VARIANTS)
def test_rfc8439_vectors(impl):
    for name, key, nonce, counter, plain, expected in rfc_vectors():
        if plain is None:
            assert chacha20.block(key, counter, nonce, impl=impl) == expected, name
        else:
            assert chacha20.encrypt(key, nonce, plain, counter, impl=impl) == expected, name
            # decryption is the same operation
            assert chacha20.encrypt(key, nonce, expected, counter, impl=impl) == plain, name


@pytest.mark.parametrize("impl", VARIANTS)
def test_random_inputs_agree_with_python(impl):
    rng = random.Random(8439)
    reference = SPEC.variant("python").load()
    fn = SPEC.variant(impl).load()
    for _ in range(12):
        args = SPEC.random_args(rng)
        assert fn(*args) == reference(*args), f"{len(args[2])} bytes from counter {args[3]}"


@pytest.mark.native
@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_600, 3 * 65_536 + 17, (1 << 22) + 4 * 64 + 5])
def test_parallel_output_is_the_same_for_every_thread_count(size):
    data = bytes(i % 251 for i in range(size))
    key, nonce = bytes(range(32)), bytes(range(12))
    want = chacha20.encrypt(key, nonce, data, 7, impl="native")
    for threads in (1, 2, 3, 8):
        assert chacha20.encrypt(key, nonce, data, 7, impl="parallel", n_threads=threads) == want


@pytest.mark.native
@pytest.mark.parametrize("fault_ahead", ["1", "always", "0"])
def test_parallel_faulting_ahead_changes_no_byte(monkeypatch, fault_ahead):
    """The parallel rung with and without its calling thread faulting the output in
    ahead of the writers (sl_mem.h), over several Ctrl-C chunks (32 MiB a thread)
    and ragged 2 MiB pieces, against native; "always" keeps it for 3 threads on
    fewer cores, where it is otherwise skipped."""
    monkeypatch.setenv("SPEEDLAB_FAULT_AHEAD", fault_ahead)
    size = (70 << 20) + 3 * 16384 + 5
    data = (bytes(range(251)) * (size // 251 + 1))[:size]
    key, nonce = bytes(range(32)), bytes(range(12))
    want = chacha20.encrypt(key, nonce, data, 7, impl="native")
    for threads in (2, 3):
        assert chacha20.encrypt(key, nonce, data, 7, impl="parallel", n_threads=threads) == want


def test_counter_may_reach_but_not_pass_the_last_block():
    key, nonce = bytes(32), bytes(12)
    last = 2**32 - 1
    assert len(chacha20.encrypt(key, nonce, bytes(64), last, impl="python")) == 64
    assert len(chacha20.encrypt(key, nonce, bytes(130), last - 2, impl="python")) == 130
    with pytest.raises(OverflowError, match="wrap"):
        chacha20.encrypt(key, nonce, bytes(65), last, impl="python")
    assert chacha20.encrypt(key, nonce, b"", last, impl="python") == b""


def test_messages_name_the_expected_length():
    with pytest.raises(ValueError, match="key must be 32 bytes"):
        chacha20.encrypt(bytes(16), bytes(12), b"x")
    with pytest.raises(ValueError, match="nonce must be 12 bytes"):
        chacha20.encrypt(bytes(32), bytes(8), b"x")
    with pytest.raises(TypeError, match="data must be bytes"):
        chacha20.encrypt(bytes(32), bytes(12), "x")
    with pytest.raises(ValueError, match="n_threads"):
        chacha20.encrypt(bytes(32), bytes(12), b"x", impl="parallel", n_threads=0)


def test_any_contiguous_buffer_is_read_as_bytes():
    import array

    key, nonce = bytearray(range(32)), memoryview(bytes(12))
    words = array.array("I", range(100))
    want = chacha20.encrypt(bytes(key), bytes(nonce), words.tobytes(), impl="python")
    assert chacha20.encrypt(key, nonce, words, impl="python") == want
    assert chacha20.encrypt(key, nonce, words) == want
    with pytest.raises(ValueError, match="contiguous"):
        chacha20.encrypt(key, nonce, memoryview(bytes(100))[::2])


def test_run_input_is_the_documented_pattern():
    key, nonce, data, counter = chacha20.run_input(1)
    assert key == bytes(range(32)) and nonce == bytes.fromhex("000000000000004a00000000")
    assert counter == 1 and len(data) == 1 << 20
    assert data == bytes(i % 251 for i in range(1 << 20))
