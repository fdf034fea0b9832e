"""regex-redux: inputs the catalog's fasta-generated samples never contain."""

import pytest

from conftest import Impl, _present
from speedlab import catalog, regexredux

SPEC = catalog.get("regexredux")
VARIANTS = [pytest.param(Impl(SPEC, v), id=v.name, marks=[pytest.mark.native] if v.compiled else [])
            for v in SPEC.variants]

# Each is valid FASTA by the public check (it starts with '>'), but stresses the
# header/newline removal that `native` does in C instead of with `>.*\n|\n`.
ODD_INPUTS = [
    b">only a header\n",
    b">no trailing newline\nagggtaaa",
    b">ONE\nagggtaaa\n>TWO header at the end without newline",
    b">ONE\nagg>mid-line header\ngtaaa\n",
    b">ONE\n\n\nagggtaaa\n\n>\n>\ntttaccct\n",
    b">ONE\r\nagggtaaa\r\n",
    b">",
    b">ONE\n" + b"tHaNaNDcaNHaDWaSaSBY<x>|q|" * 50 + b"\n",
]


@pytest.mark.parametrize("item", VARIANTS)
def test_odd_inputs_agree_with_python(item):
    impl = _present(item).variant.name  # PCRE2's variants: skipped when it is not built
    for data in ODD_INPUTS:
        assert regexredux.analyse(data, impl=impl) == regexredux.analyse(data, impl="python"), data


def test_any_contiguous_buffer_is_accepted():
    data = b">ONE\nagggtaaacattttaccct\n"
    want = regexredux.analyse(data, impl="python")
    assert regexredux.analyse(bytearray(data)) == want
    assert regexredux.analyse(memoryview(data)) == want


def test_messages_say_what_is_wrong():
    with pytest.raises(ValueError, match="empty"):
        regexredux.analyse(b"")
    with pytest.raises(ValueError, match="not FASTA"):
        regexredux.analyse(b"acgt\n")
    with pytest.raises(TypeError, match="not str"):
        regexredux.analyse(">ONE\nacgt\n")


def test_cli_input_file_matches_the_generated_input(tmp_path):
    from conftest import golden
    from test_cli import speedlab

    path = tmp_path / "in.fa"
    path.write_bytes(golden("fasta-1000.txt"))
    out = speedlab("run", "regexredux", "0", "--input", str(path))
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden("regexredux-1000.txt")


@pytest.mark.parametrize("content", [b"", b"acgt\nacgt\n"], ids=["empty", "not-fasta"])
def test_cli_bad_input_is_one_line_and_nothing_on_stdout(tmp_path, content):
    from test_cli import speedlab

    path = tmp_path / "bad.fa"
    path.write_bytes(content)
    out = speedlab("run", "regexredux", "0", "--input", str(path))
    assert out.returncode == 2 and out.stdout == b""
    assert len(out.stderr.decode().strip().splitlines()) == 1
