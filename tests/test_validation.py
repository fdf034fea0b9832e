"""Validation comes first: bad input is refused in Python before any implementation runs.

A *tripwire* replaces every variant's callable, so a call that reaches an
implementation (compiled or not) fails the test even when the implementation
would have raised something itself. Under it, for every kernel:

* each of the catalog's ``bad_inputs``, with every ``impl``, raises the listed
  exception with a message naming one of the function's parameters;
* generic wrong arguments, derived from a valid call by replacing one argument at
  a time (an object, a complex number, ``bool``/negative/2**64/str/float for an
  integer, an int for a buffer or text), raise TypeError or ValueError;
* bad command lines (negative, non-numeric or huge N, unknown variant, bad
  ``--threads``, ``--input`` where it does not apply, unknown bench variants) exit
  with status 2 and one line on stderr.

Without the tripwire, equivalent spellings of a valid argument (a bytearray,
memoryview or non-contiguous memoryview for bytes, bytes for str, a NumPy integer
for an int) must either be refused with TypeError/ValueError or give the very
result of the plain value -- never a crash or a different answer.

``tools/inputs_doc.py`` writes docs/inputs.md, the table of what each entry point
accepts, from the catalog, the public functions' docstrings and the CLI parser; a
test keeps the file in step with them.
"""

import importlib.util
import inspect
import operator
from pathlib import Path

import pytest

from conftest import small_args
from speedlab import catalog, cli
from speedlab.spec import KernelSpec, Variant

ROOT = Path(__file__).resolve().parents[1]


class ReachedImplementation(AssertionError):
    """A call got past validation into a kernel implementation."""


@pytest.fixture
def tripwire(monkeypatch):
    """Make every variant's callable fail the test if it is ever called; yields the call log."""
    calls = []

    def load(self):
        def tripped(*args, **kwargs):
            calls.append(self.target)
            raise ReachedImplementation(f"validation let a call reach {self.target}")
        return tripped

    monkeypatch.setattr(Variant, "load", load)
    return calls


def parameter_names(spec: KernelSpec) -> list[str]:
    return list(inspect.signature(spec.public_function()).parameters)




# -- the Python API ---------------------------------------------------------------

def test_the_tripwire_catches_a_valid_call(spec, tripwire):
    # Without this, a broken tripwire would make every test below pass vacuously.
    with pytest.raises(ReachedImplementation):
        spec.public_function()(*small_args(spec), impl="native")
    assert tripwire == [spec.variant("native").target]


def test_catalog_bad_inputs_never_reach_an_implementation(spec, tripwire):
    api = spec.public_function()
    names = parameter_names(spec)
    assert spec.bad_inputs, f"{spec.name} lists no bad_inputs"
    for args, exc_type in spec.bad_inputs:
        for impl in (None, *spec.variant_names):
            with pytest.raises(exc_type) as info:
                api(*args, impl=impl)
            message = str(info.value)
            assert any(name in message for name in names), (
                f"{spec.name}{args!r} impl={impl}: {message!r} names none of {names}")
    assert not tripwire


def wrong_values(value) -> list:
    """Arguments of the wrong type or out of any sensible range, for a slot that took ``value``."""
    wrong = [object(), 1j]
    if isinstance(value, bool):
        return wrong
    try:
        operator.index(value)
        return wrong + [True, -1, 2**64, str(value), float(value) + 0.5]
    except TypeError:
        pass
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return wrong + [7]
    return wrong


def test_wrong_arguments_are_refused_before_any_implementation(spec, tripwire):
    api = spec.public_function()
    valid = small_args(spec)
    tried = 0
    for i, value in enumerate(valid):
        for bad in wrong_values(value):
            args = valid[:i] + (bad,) + valid[i + 1:]
            for impl in (None, "python", "native"):
                # OverflowError: a value past a C integer's range (chacha20's counter), as issue 4 allows
                with pytest.raises((TypeError, ValueError, OverflowError)) as info:
                    api(*args, impl=impl)
                assert str(info.value), f"{spec.name} arg {i}={bad!r}: empty message"
                tried += 1
    assert not tripwire
    assert tried
    print(f"{spec.name}: {tried} wrong-argument calls refused")


def test_threads_are_validated(spec, tripwire):
    api = spec.public_function()
    args = small_args(spec)
    for variant in spec.variants:
        if not variant.threads:
            continue
        for bad, exc_type in ((0, ValueError), (-1, ValueError), (2.0, TypeError), ("2", TypeError),
                              (True, TypeError), (10**6, ValueError)):
            with pytest.raises(exc_type, match="n_threads"):
                api(*args, impl=variant.name, n_threads=bad)
    assert not tripwire


def equivalent_spellings(value) -> list:
    """Other spellings of ``value`` that a caller may reasonably pass."""
    if isinstance(value, bytes):
        doubled = memoryview(bytes(b for pair in zip(value, value) for b in pair))
        return [bytearray(value), memoryview(value), doubled[::2]]
    if isinstance(value, str):
        return [value.encode("ascii", "replace")] if value.isascii() else []
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            import numpy
        except ImportError:
            return []
        return [numpy.int64(value)] if -2**63 <= value < 2**63 else []
    return []


def outcome(fn, args, kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        return "refused", type(exc)


def test_equivalent_spellings_are_refused_or_agree(spec):
    api = spec.public_function()
    valid = small_args(spec)
    want = api(*valid, impl="python")
    for i, value in enumerate(valid):
        for other in equivalent_spellings(value):
            args = valid[:i] + (other,) + valid[i + 1:]
            for variant in spec.variants:
                if variant.optional and not variant.available():
                    continue
                kind, got = outcome(api, args, {"impl": variant.name})
                where = f"{spec.name}/{variant.name} arg {i} as {type(other).__name__}"
                if kind == "ok":
                    assert type(got) is type(want) and spec.compare(want, got), f"{where}: {got!r:.100}"


# -- the command line -------------------------------------------------------------

def bad_command_lines(spec: KernelSpec) -> list[list[str]]:
    k = spec.name
    lines = [
        ["run", k, "-5"], ["run", k, "abc"], ["run", k, "1.5"], ["run", k, str(2**64)],
        ["run", k, "1", "--impl", "nosuch"], ["run", k, "1", "--threads", "0"],
        ["bench", k, "--rounds", "0"], ["bench", k, "--variants", "nosuch"],
        ["bench", k, "--threads", "-1"], ["verify", k, "nosuch"],
    ]
    if not any(v.threads for v in spec.variants):
        lines.append(["run", k, "1", "--threads", "2"])  # alone, --threads selects a threaded variant: none here
    lines += [["run", k, "1", "--impl", v.name, "--threads", "2"] for v in spec.variants if not v.threads]
    if spec.reads_fasta:
        lines.append(["run", k, "1", "--input", str(ROOT / "no" / "such.fa")])
    else:
        lines.append(["run", k, "1", "--input", "x.fa"])
    return lines


def test_cli_refuses_bad_usage_before_any_implementation(spec, tripwire, capsys):
    for argv in bad_command_lines(spec):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        assert code == 2, f"{argv}: exit {code}"
        assert out == "", argv
        assert len(err.strip().splitlines()) == 1, f"{argv}: {err!r}"
    assert not tripwire


# -- the documentation table --------------------------------------------------------

def load_doc_tool():
    path = ROOT / "tools" / "inputs_doc.py"
    module_spec = importlib.util.spec_from_file_location("inputs_doc", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_every_parameter_is_documented(spec):
    # The table is built from the numpydoc Parameters section: it must cover the signature.
    documented = load_doc_tool().documented_parameters(spec.public_function())
    for name in parameter_names(spec):
        assert name in documented, f"{spec.api}: parameter {name!r} is not in the docstring"


def test_docs_inputs_md_is_current():
    tool = load_doc_tool()
    path = ROOT / "docs" / "inputs.md"
    assert path.read_text() == tool.render(), (
        "docs/inputs.md is out of date with the catalog: run `python tools/inputs_doc.py --write`")
