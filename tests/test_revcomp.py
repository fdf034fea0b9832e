"""revcomp behaviour the catalog-driven tests cannot see: every byte, and inputs of many pieces.

The simd and parallel rungs cut the input into pieces of 1 MiB and write each
piece's bytes straight to their place in the output, so the catalog's sample
sizes (one piece each) do not reach the cuts between pieces, a record spanning
several of them, or the threads. These tests do, on every vector path this CPU
runs, against native.
"""

import functools
import random
import signal
import sys
import time
import traceback

import pytest

from speedlab import _simd, fasta, revcomp
from speedlab.pure.revcomp import COMPLEMENT
from speedlab.pure.revcomp import reverse_complement as pure

PATHS = _simd.supported()


def _irregular_fasta(seed, size):
    """Random FASTA of about ``size`` bytes: any byte but newline in sequences,
    lines of 1-130 characters (a few empty), records of every length."""
    rng = random.Random(seed)
    sequence_bytes = bytes(b for b in range(256) if b != 10)
    parts = []
    total = 0
    while total < size:
        body = rng.randbytes(rng.choice((0, 1, 59, 60, 61, 5_000, 900_000, 1_500_000)))
        body = body.translate(bytes(sequence_bytes[b % len(sequence_bytes)] for b in range(256)))
        lines, at = [], 0
        while at < len(body):
            width = rng.choice((0, 1, 15, 16, 17, 31, 32, 33, 60, 63, 64, 65, 130))
            lines.append(body[at:at + width])
            at += width
        record = b">rec %d\n" % len(parts) + b"".join(line + b"\n" for line in lines)
        parts.append(record)
        total += len(record)
    return b"".join(parts)


@pytest.mark.native
def test_the_vector_lookup_reproduces_the_table():
    from speedlab._native import revcomp as native

    assert native.LETTERS_HOLD


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
def test_every_byte_on_every_path(path):
    # Every byte value except the newline, in runs of every length 1-80 (the
    # vector widths and the scalar tails), with '>' never opening a line.
    values = bytes(b for b in range(256) if b != 10)
    lines = [values[i:i + w] for w in range(1, 81) for i in range(0, len(values), w)]
    data = b">all\n" + b"".join(line + b"\n" for line in lines if not line.startswith(b">"))
    want = pure(data)
    assert want == revcomp.reverse_complement(data, impl="native")
    assert sorted(set(want)) == sorted(set(COMPLEMENT[b] for b in values) | {10, ord(">")} | set(b"all"))
    with _simd.forced(path):
        assert revcomp.reverse_complement(data, impl="simd") == want
        assert revcomp.reverse_complement(data, impl="parallel", n_threads=2) == want


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("source", ["fasta", "irregular"])
def test_many_pieces_every_path_every_thread_count(path, source):
    # fasta 500,000 is ~5 MB: 5+ pieces, records cut mid-line at piece edges,
    # enough pieces for the parallel rung to use its threads.
    data = fasta.fasta(500_000) if source == "fasta" else _irregular_fasta(7, 4_500_000)
    want = revcomp.reverse_complement(data, impl="native")
    with _simd.forced(path):
        assert revcomp.reverse_complement(data, impl="simd") == want
        for n_threads in (1, 2, 3):
            assert revcomp.reverse_complement(data, impl="parallel", n_threads=n_threads) == want


@pytest.mark.native
def test_parallel_over_several_batches():
    """The parallel rung over several batches between Ctrl-C checks (16 pieces of
    1 MiB a thread), irregular lines included, on as many threads as cores and more."""
    for data in (fasta.fasta(4_000_000), _irregular_fasta(11, 40_000_000)):
        want = revcomp.reverse_complement(data, impl="native")
        for n_threads in (2, 3):
            assert revcomp.reverse_complement(data, impl="parallel", n_threads=n_threads) == want


@pytest.mark.native
@pytest.mark.skipif(sys.platform == "win32", reason="setitimer is POSIX")
def test_parallel_stops_at_ctrl_c_between_pieces():
    """A signal during a parallel call raises from the native loop, between two
    batches of pieces; the next call writes the whole output again."""
    data = fasta.fasta(5_000_000)  # ~50 pieces, ~10-20 ms a call
    want = revcomp.reverse_complement(data, impl="native")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    inside = []
    try:
        for _ in range(20):
            signal.setitimer(signal.ITIMER_REAL, 0.002)
            try:
                start = time.perf_counter()
                revcomp.reverse_complement(data, impl="parallel", n_threads=2)
                signal.setitimer(signal.ITIMER_REAL, 0)
            except KeyboardInterrupt as e:
                names = [frame.name for frame in traceback.extract_tb(e.__traceback__)]
                if any("write_pieces" in name for name in names):
                    inside.append(time.perf_counter() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert inside, "no signal arrived during the pieces"
    assert min(inside) < 0.5
    assert revcomp.reverse_complement(data, impl="parallel", n_threads=2) == want


def _record(size, name):
    """A record of exactly ``size`` bytes (lines of 60 'ACGT...', '\\n' last); a '>' mid-line in it."""
    head = b">" + name + b"\n"
    body = bytearray(b"ACGT" * ((size - len(head)) // 4 + 1))[:size - len(head)]
    body[60::61] = b"\n" * len(body[60::61])
    body[-1:] = b"\n"
    body[30] = ord(">")  # not at a line's start: sequence, not a header
    return head + bytes(body)


def _mid_line_gt(data, at):
    """``data`` with a '>' at ``at``, inside a line (neither byte around it a newline)."""
    while data[at - 1] == 10 or data[at] == 10:
        at += 1
    return data[:at] + b">" + data[at + 1:]


@functools.lru_cache(maxsize=1)
def _odd_shapes():
    letters = b"ACGTNacgtn"
    line = random.Random(3).randbytes(2_500_000).translate(bytes(letters[b % 10] for b in range(256)))
    return {
        # one 2.5 MB line (runs cut by piece edges), no final newline
        "one-long-line": b">one\n" + line,
        "headers-only": b">a\n>b\n>c",
        "crlf": b">crlf\r\n" + b"ACGT\r\n" * 400_000,
        "huge-header": b">" + b"h" * 3_000_000 + b"\nAC\n",
        "empty-lines": b">e\n" + b"\n" * 3_000_000 + b"A\n",
        # the pieces are 1 MiB blocks of the input: a record opening exactly on
        # a block's first byte, one a byte after it, one whose header spans a
        # block edge, an empty record, and a '>' mid-line on a block's first byte
        "records-at-block-edges": _mid_line_gt(_record(1 << 20, b"a") + _record((1 << 20) + 1, b"b")
                                               + _record((1 << 20) - 3, b"c" * 10) + b">empty\n"
                                               + _record(3 << 20, b"d"), 4 << 20),
    }


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
def test_odd_shapes_over_many_pieces(path):
    for name, data in _odd_shapes().items():
        want = revcomp.reverse_complement(data, impl="native")
        with _simd.forced(path):
            assert revcomp.reverse_complement(data, impl="simd") == want, name
            assert revcomp.reverse_complement(data, impl="parallel", n_threads=2) == want, name


def _fasta_record(name, lines, last=17):
    """A record in ``fasta``'s shape: ``lines`` lines of 60 bases, then one of ``last``."""
    rng = random.Random(lines)
    bases = rng.choices(b"ACGTacgtNMKRYBVDHWS", k=60 * lines + last)
    body = bytes(bases)
    return b">" + name + b"\n" + b"".join(body[i:i + 60] + b"\n" for i in range(0, len(body), 60))


def _replace_line(record, k, line):
    """``record`` with its sequence line ``k`` (61 bytes, newline included) replaced by ``line``."""
    at = record.index(b"\n") + 1 + 61 * k
    assert len(line) == 61 and record[at + 60] == 10
    return record[:at] + line + record[at + 61:]


@pytest.mark.native
def test_fasta_shape_is_predicted_from_a_few_bytes():
    # The simd and parallel rungs cut input in fasta's shape into pieces of
    # whole lines without reading it all; the cuts must tile every record.
    from speedlab._native import revcomp as native

    data = fasta.fasta(500_000)
    pieces = native._predicted_pieces(data)
    assert pieces is not None and len(pieces) > 3
    records = [r for r in data.split(b">") if r]
    assert sum(bases for _, _, _, bases in pieces) == sum(
        len(r) - r.index(b"\n") - 1 - r[r.index(b"\n") + 1:].count(b"\n") for r in records)
    assert sum(n for _, n, _, _ in pieces) + sum(r.index(b"\n") + 2 for r in records) == len(data)
    assert all(data[src - 1] == 10 for src, n, _, _ in pieces if n)
    for shape in (b">a\nACGT\n\n", b">a\n" + b"A" * 61 + b"\n", b">a\nAC\nGT\n"):
        assert native._predicted_pieces(shape) is None, shape


@functools.lru_cache(maxsize=1)
def _mispredicted(lines=50_000):
    """Input in fasta's shape but for one line the prediction's probes never read
    (line 20,000 of 50,000: ~3 MB, 3 pieces), and what each does to the pieces."""
    record = _fasta_record(b"r", lines)
    return {
        # one more newline and one less base in a piece: the piece says wrong
        "empty-line": (_replace_line(record, 20_000, b"A" * 59 + b"\n\n"), True),
        # a record the prediction missed: a line in a piece opens with '>'
        "missed-record": (_replace_line(record, 20_000, b">second" + b"A" * 53 + b"\n"), True),
        # a short and a long line in one piece, or in two: every piece still
        # holds the bases predicted, so the output is the same without a rescan
        "short-then-long": (_replace_line(_replace_line(record, 20_000, b"A" * 59 + b"\nC"), 20_001,
                                          b"C" * 60 + b"\n"), False),
        "short-far-from-long": (_replace_line(_replace_line(record, 10_000, b"A" * 59 + b"\nC"), 40_000,
                                              b"C" * 60 + b"\n"), False),
    }


@pytest.mark.native
@pytest.mark.parametrize("path", PATHS)
def test_a_wrong_prediction_is_caught_and_the_input_scanned(path):
    from speedlab._native import revcomp as native

    for name, (data, wrong) in _mispredicted().items():
        pieces = native._predicted_pieces(data)
        assert pieces is not None, name
        true_bases = len(data) - data.index(b"\n") - 1 - data.count(b"\n", data.index(b"\n") + 1)
        assert (sum(bases for _, _, _, bases in pieces) != true_bases or len(data.split(b"\n>")) > 1) == wrong, name
        want = pure(data)
        with _simd.forced(path):
            assert revcomp.reverse_complement(data, impl="simd") == want, name
            assert revcomp.reverse_complement(data, impl="parallel", n_threads=2) == want, name


@pytest.mark.native
def test_a_wrong_prediction_is_caught_on_threads():
    # 120,000 lines: 7 pieces, enough for parallel to share them among threads
    # (3 run on one thread), whose wrong pieces are looked at after the batch.
    for name, (data, wrong) in _mispredicted(120_000).items():
        if wrong:
            assert revcomp.reverse_complement(data, impl="parallel", n_threads=2) == pure(data), name
