"""The programs that read FASTA (revcomp, knucleotide): what the catalog tests cannot see.

Buffer types accepted and refused, empty and non-FASTA input, the in-place
reverse complement, random FASTA through every variant, and the command line
reading stdin with nothing on stdout when it fails.
"""

import array
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from conftest import golden
from speedlab import catalog, knucleotide, revcomp
from speedlab.pure.fasta import fasta

READERS = [pytest.param(catalog.get(name), id=name) for name in ("revcomp", "knucleotide")]
FASTA_1000 = fasta(1000)


def _variants(spec):
    return [v.name for v in spec.variants]


@pytest.mark.parametrize("spec", READERS)
@pytest.mark.parametrize("wrap", [
    bytearray,
    memoryview,
    lambda b: np.frombuffer(b, dtype=np.uint8).copy(),
    lambda b: np.frombuffer(b, dtype=np.int8),
    lambda b: array.array("B", b),
    lambda b: memoryview(b).cast("c"),
], ids=["bytearray", "memoryview", "numpy-uint8", "numpy-int8", "array-B", "memoryview-c"])
def test_any_contiguous_byte_buffer_is_accepted(spec, wrap):
    api = spec.public_function()
    want = api(FASTA_1000, impl="python")
    for name in ("python", "native"):
        assert api(wrap(FASTA_1000), impl=name) == want, name


@pytest.mark.parametrize("spec", READERS)
def test_refusals_name_the_argument_and_the_reason(spec):
    api = spec.public_function()
    with pytest.raises(TypeError, match="data must be bytes .* not str"):
        api(FASTA_1000.decode())
    with pytest.raises(ValueError, match="data must be a C-contiguous buffer"):
        api(np.frombuffer(FASTA_1000, dtype=np.uint8)[::2])
    with pytest.raises(ValueError, match="data must be a buffer of single bytes"):
        api(np.zeros(8, dtype=np.int32))
    with pytest.raises(ValueError, match="data is empty"):
        api(b"")
    with pytest.raises(ValueError, match="data is not FASTA: it must start with a '>' header"):
        api(b"ACGT\n>ONE\n")


def test_knucleotide_needs_record_three_of_bases():
    with pytest.raises(ValueError, match="no '>THREE' record"):
        knucleotide.knucleotide(b">ONE\nACGT\n>TWO\nACGT\n")
    with pytest.raises(ValueError, match=r"record THREE must hold only the bases .* b'NR'"):
        knucleotide.knucleotide(b">THREE\nACNGTR\n>FOUR\nNNNN\n")


@pytest.mark.parametrize("spec", READERS)
def test_random_fasta_every_variant_agrees(spec):
    rng = random.Random(20261130)
    reference = spec.variant("python").load()
    loaded = {v.name: v.load() for v in spec.variants}
    for _ in range(40):
        (data,) = spec.random_args(rng)
        want = reference(data)
        for name, fn in loaded.items():
            assert fn(data) == want, (name, data[:80])


def test_revcomp_never_mutates_the_callers_buffer():
    buf = bytearray(FASTA_1000)
    for name in _variants(catalog.get("revcomp")):
        revcomp.reverse_complement(buf, impl=name)
        assert buf == FASTA_1000, name


@pytest.mark.parametrize("mode", ["native", "pure"])
def test_reverse_complement_inplace(monkeypatch, mode):
    monkeypatch.setenv("SPEEDLAB_IMPL", mode)
    want = golden("revcomp-1000.txt")
    buf = bytearray(FASTA_1000)
    assert revcomp.reverse_complement_inplace(buf) is None
    assert buf == want
    arr = np.frombuffer(FASTA_1000, dtype=np.uint8).copy()
    revcomp.reverse_complement_inplace(arr)
    assert arr.tobytes() == want
    view = memoryview(bytearray(FASTA_1000))
    revcomp.reverse_complement_inplace(view)
    assert view.tobytes() == want
    # twice is the identity on fasta's output (the headers stay, the sequence comes back)
    revcomp.reverse_complement_inplace(buf)
    lines = FASTA_1000.split(b"\n")
    assert buf == b"\n".join(line if line.startswith(b">") else line.upper() for line in lines)


def test_reverse_complement_inplace_default_is_revcomps_own_native(monkeypatch):
    from speedlab._native import revcomp as native

    calls = []
    monkeypatch.delenv("SPEEDLAB_IMPL", raising=False)
    monkeypatch.setattr(native, "reverse_complement_inplace_native",
                        lambda view, _real=native.reverse_complement_inplace_native: (calls.append(1), _real(view)))
    # another kernel's extension missing changes nothing for revcomp
    monkeypatch.setitem(sys.modules, "speedlab._native.nbody", None)
    buf = bytearray(FASTA_1000)
    revcomp.reverse_complement_inplace(buf)
    assert calls == [1] and buf == golden("revcomp-1000.txt")
    # revcomp's own missing: the twin runs, and says so
    monkeypatch.setitem(sys.modules, "speedlab._native.revcomp", None)
    buf = bytearray(FASTA_1000)
    with pytest.warns(RuntimeWarning, match=r"speedlab\._native\.revcomp is not built"):
        revcomp.reverse_complement_inplace(buf)
    assert calls == [1] and buf == golden("revcomp-1000.txt")


INPLACE = ["python", "native", "simd", "parallel"]


def _fasta_shaped(rng):
    """Records of random lengths in fasta's shape (lines of 60, the last shorter), any letters."""
    records = []
    for index in range(rng.randint(1, 4)):
        length = rng.choice([0, 1, 2, 59, 60, 61, 119, 121, rng.randint(0, 5000)])
        seq = bytes(rng.choice(b"ACGTRYKMBVDHNacgtn*") for _ in range(length))
        records.append(b">rec %d\n" % index + b"".join(seq[i:i + 60] + b"\n" for i in range(0, length, 60)))
    return b"".join(records)


def _lines(header: bytes, widths) -> bytes:
    """A record of lines of these widths, each ended by a newline."""
    letters = b"ACGTacgtNRY"
    return header + b"\n" + b"".join(bytes(letters[(k + i) % 11] for i in range(w)) + b"\n"
                                    for k, w in enumerate(widths))


@pytest.mark.parametrize("impl", INPLACE)
def test_reverse_complement_inplace_every_variant_and_path(impl):
    from speedlab import _simd

    rng = random.Random(20261202)
    inputs = [FASTA_1000, fasta(25_000)] + [_fasta_shaped(rng) for _ in range(40)]
    # not in fasta's shape, yet as many lines out as in: native's passes take these;
    # the last, lines 4 and 5 of 59 and 61, with every line after them where fasta's are
    inputs += [_lines(b">a", [61, 59]), _lines(b">b", [2, 118]), _lines(b">c", [60, 59, 61, 60, 5]),
               _lines(b">d", [60, 60, 60, 60, 59, 61, 60, 60, 60, 5])]
    paths = _simd.supported() if impl in ("simd", "parallel") else ["auto"]
    for path in paths:
        with _simd.forced(path):
            for data in inputs:
                buf = bytearray(data)
                kwargs = {"n_threads": 3} if impl == "parallel" else {}
                revcomp.reverse_complement_inplace(buf, impl=impl, **kwargs)
                assert buf == revcomp.reverse_complement(data, impl="python"), (path, data[:60])


@pytest.mark.native
def test_reverse_complement_inplace_parallel_over_many_pieces():
    # fasta 300,000 is about 3 MB: swaps over threads, in several batches
    data = fasta(300_000)
    want = revcomp.reverse_complement(data, impl="native")
    for threads in (1, 2, 3):
        buf = bytearray(data)
        revcomp.reverse_complement_inplace(buf, n_threads=threads)
        assert buf == want, threads


def test_reverse_complement_inplace_arguments(monkeypatch):
    buf = bytearray(FASTA_1000)
    with pytest.raises(ValueError, match="impl must be one of python, native, simd, parallel"):
        revcomp.reverse_complement_inplace(buf, impl="c")
    with pytest.raises(TypeError, match="impl must be a variant name"):
        revcomp.reverse_complement_inplace(buf, impl=3)
    with pytest.raises(ValueError, match="n_threads applies only to impl='parallel'"):
        revcomp.reverse_complement_inplace(buf, impl="simd", n_threads=2)
    with pytest.raises(ValueError, match="n_threads must be >= 1"):
        revcomp.reverse_complement_inplace(buf, n_threads=0)
    with pytest.raises(TypeError, match="n_threads must be an int"):
        revcomp.reverse_complement_inplace(buf, n_threads="2")
    monkeypatch.setenv("SPEEDLAB_IMPL", "pure")
    with pytest.raises(ValueError, match="n_threads selects the threaded variant 'parallel', but "
                                         "SPEEDLAB_IMPL=pure selects 'python'"):
        revcomp.reverse_complement_inplace(buf, n_threads=2)
    assert buf == FASTA_1000


@pytest.mark.parametrize("impl", INPLACE)
def test_reverse_complement_inplace_refusals_every_variant(impl):
    # the last: a newline inside line 4, which still ends 61 bytes after line 3
    for bad, record in ((b">x\n" + b"ACGT\n" * 10, 1),
                        (b">a\nAC\n>b\n" + b"ACGT\n" * 10, 2),
                        (b">no newline at the end\nACGT", 1),
                        (_lines(b">y", [60, 60, 60, 29, 30, 60, 60, 5]), 1)):
        buf = bytearray(bad)
        with pytest.raises(ValueError, match=f"record {record} cannot be reversed in place"):
            revcomp.reverse_complement_inplace(buf, impl=impl)
        assert buf == bad, "nothing may change before the refusal"


@pytest.mark.parametrize("mode", ["native", "pure"])
def test_reverse_complement_inplace_refusals(monkeypatch, mode):
    monkeypatch.setenv("SPEEDLAB_IMPL", mode)
    with pytest.raises(ValueError, match="buf must be a writable buffer"):
        revcomp.reverse_complement_inplace(FASTA_1000)
    with pytest.raises(TypeError, match="buf must be bytes"):
        revcomp.reverse_complement_inplace(">ONE\nACGT\n")
    # 10 lines of 4: the output has 1 line of 40, so it would not fit in place
    for bad, record in ((b">x\n" + b"ACGT\n" * 10, 1),
                        (b">a\nAC\n>b\n" + b"ACGT\n" * 10, 2),
                        (b">no newline at the end\nACGT", 1)):
        buf = bytearray(bad)
        with pytest.raises(ValueError, match=f"record {record} cannot be reversed in place"):
            revcomp.reverse_complement_inplace(buf)
        assert buf == bad, "nothing may change before the refusal"


def _speedlab(*args, stdin=b""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    return subprocess.run([sys.executable, "-m", "speedlab", *args], input=stdin,
                          capture_output=True, timeout=120, env=env)


@pytest.mark.parametrize("name", ["revcomp", "knucleotide"])
def test_cli_reads_stdin(name):
    out = _speedlab("run", name, "--input", "-", stdin=FASTA_1000)
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden(f"{name}-1000.txt")


@pytest.mark.parametrize("impl", [None, "python", "native", "simd", "parallel", "c"])
def test_cli_revcomp_file_in_place_or_not(tmp_path, impl):
    # A regular file is reversed in a buffer of the CLI's own (in place, for the
    # variants that can); a pipe, and records that do not fit in place, are not.
    shaped, odd = fasta(20_000), b">a\nAC\nGT\n>b no newline\nACGTTG"
    flags = ["--impl", impl] if impl else []
    for data in (shaped, odd):
        path = tmp_path / "in.fa"
        path.write_bytes(data)
        want = revcomp.reverse_complement(data, impl="python")
        for out in (_speedlab("run", "revcomp", "--input", str(path), *flags),
                    _speedlab("run", "revcomp", "--input", "-", *flags, stdin=data)):
            assert out.returncode == 0, out.stderr
            assert out.stdout == want
        assert path.read_bytes() == data, "the file itself is never written"


@pytest.mark.parametrize("mode, flags", [("auto", ["--impl", "python"]), ("pure", [])])
def test_cli_runs_the_twin_as_any_program_would(tmp_path, monkeypatch, capsysbinary, mode, flags):
    # The twin builds its output anew from whatever it is given: run in place it
    # would only add two copies of the input (the baselines time exactly this).
    from speedlab import cli

    def refuse(*args, **kwargs):
        raise AssertionError("the twin was run in place")

    monkeypatch.setattr(revcomp, "reverse_complement_inplace", refuse)
    monkeypatch.setenv("SPEEDLAB_IMPL", mode)
    path = tmp_path / "in.fa"
    path.write_bytes(FASTA_1000)
    assert cli.main(["run", "revcomp", "--input", str(path), *flags]) == 0
    assert capsysbinary.readouterr().out == golden("revcomp-1000.txt")


def test_reverse_complement_inplace_runs_the_twin_once(monkeypatch):
    import speedlab.pure.revcomp as pure

    seen = []
    monkeypatch.setattr(pure, "reverse_complement",
                        lambda data, _real=pure.reverse_complement: (seen.append(len(data)), _real(data))[1])
    buf = bytearray(FASTA_1000)
    revcomp.reverse_complement_inplace(buf, impl="python")
    assert buf == golden("revcomp-1000.txt")
    assert sum(seen) <= len(FASTA_1000), seen  # each record once (the split takes its newline)


def test_cli_reads_a_file(tmp_path):
    path = tmp_path / "in.fa"
    path.write_bytes(FASTA_1000)
    out = _speedlab("run", "knucleotide", "--input", str(path), "--impl", "packed")
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden("knucleotide-1000.txt")


@pytest.mark.parametrize("name", ["revcomp", "knucleotide"])
@pytest.mark.parametrize("stdin, reason", [
    (b"", "empty"),
    (b"hello world\n", "not FASTA"),
    (b">ONE\nAC\x00GT\n", None),
], ids=["empty", "not-fasta", "binary"])
def test_cli_bad_input_is_one_line_and_nothing_on_stdout(name, stdin, reason):
    out = _speedlab("run", name, "--input", "-", stdin=stdin)
    if reason is None and name == "revcomp":  # any byte is a sequence byte for revcomp
        assert out.returncode == 0
        return
    assert out.returncode == 2
    assert out.stdout == b""
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    if reason:
        assert reason in lines[0]


def test_cli_unreadable_input_and_missing_n():
    out = _speedlab("run", "revcomp", "--input", "/nonexistent/in.fa")
    assert out.returncode == 2 and out.stdout == b""
    assert b"cannot read --input" in out.stderr
    out = _speedlab("run", "revcomp")
    assert out.returncode == 2 and out.stdout == b""
    assert b"N is required" in out.stderr


@pytest.mark.native
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GNU libstdc++ there")
def test_knucleotide_counts_in_the_libstdcxx_table_where_there_is_one():
    # native and parallel pick the C++ library's table at build time: libstdc++'s
    # cc_hash_table (about 2x std::unordered_map here) whenever the build has it.
    from speedlab._native import knucleotide as native

    assert native.TABLE.startswith("__gnu_pbds::cc_hash_table"), native.TABLE
