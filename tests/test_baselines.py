"""The plain-Python reference programs of benchmarks/baselines/ print what the twins print.

``python benchmarks/baselines.py`` times each pure twin against the reference
program for its task; that comparison is like for like only if both compute the
same output. Here each reference runs at small sizes (correctness, not speed)
and its stdout must equal, byte for byte, what ``speedlab run NAME N --impl
python`` prints. The references and the twins use the standard library only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from speedlab import catalog

ROOT = Path(__file__).resolve().parents[1]
BASELINES = ROOT / "benchmarks" / "baselines"
TWINS = ROOT / "src" / "speedlab" / "pure"

#: Small sizes that still reach the edges: partial last lines and bytes, empty
#: records (fasta 0 has headers only), n = 1 where it is allowed, the golden sizes.
CASES = {
    "nbody": (0, 1000),
    "spectralnorm": (1, 2, 100),
    "mandelbrot": (0, 1, 17, 200),
    "fannkuchredux": (1, 2, 7),
    "binarytrees": (0, 10),
    "fasta": (0, 1, 61, 1000),
    "knucleotide": (0, 1, 1000),
    "revcomp": (0, 1, 1000),
    "regexredux": (0, 1000),
    "pidigits": (0, 1, 27, 30),
    "chacha20": (0, 1),  # MiB: 1 is 16,384 blocks, about a second for each program
}


def test_every_kernel_has_a_reference():
    assert sorted(p.stem for p in BASELINES.glob("*.py")) == sorted(s.name for s in catalog.kernels())
    assert sorted(CASES) == sorted(s.name for s in catalog.kernels())


@pytest.mark.parametrize("kernel,n", [(k, n) for k, sizes in CASES.items() for n in sizes],
                         ids=lambda value: str(value))
def test_reference_prints_what_the_twin_prints(kernel, n):
    spec = catalog.get(kernel)
    inputs = spec.make_input(n)
    want = spec.render(spec.public_function()(*inputs, impl="python"), n)
    command = [sys.executable, str(BASELINES / f"{kernel}.py")]
    if spec.reads_fasta:  # the input (fasta n) on stdin, as `speedlab run --input -` reads it
        run = subprocess.run(command, input=inputs[0], capture_output=True, timeout=120)
    else:
        run = subprocess.run(command + [str(n)], capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert run.stdout == want


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(BASELINES.glob("*.py")) + sorted(TWINS.glob("*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_plain_python_imports_only_the_standard_library(path):
    outside = _imported_modules(path) - set(sys.stdlib_module_names) - {"__future__"}
    assert not outside, f"{path.name} imports {sorted(outside)}"
