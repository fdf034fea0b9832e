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
