"""Bring your own kernel: scaffold -> build -> verify -> bench in a temporary directory, and bad input.

The catalog-driven tests cannot see this: the user's kernels live outside the
package, are compiled by ``speedlab build`` and reach the catalog through
``--from`` or an entry point.
"""

import dataclasses
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from speedlab import catalog
from speedlab.byok.build import compiler_errors

ROOT = Path(__file__).resolve().parents[1]


def speedlab(*args, cwd=None, pythonpath=None, timeout=240):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    out = subprocess.run([sys.executable, "-m", "speedlab", *map(str, args)], capture_output=True,
                         text=True, timeout=timeout, env=env, cwd=cwd)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def one_line_error(out):
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_import_speedlab_stays_light_and_exports_the_spec_api():
    code = ("import sys, speedlab; assert 'speedlab.spec' not in sys.modules, 'eager'; "
            "from speedlab import KernelSpec, Variant, Sizes, register; "
            "assert KernelSpec.__module__ == 'speedlab.spec' and register.__module__ == 'speedlab.catalog'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_register_refuses_a_duplicate_name():
    nbody = catalog.get("nbody")
    with pytest.raises(ValueError, match="duplicate kernel name 'nbody'"):
        catalog.register(dataclasses.replace(nbody, summary="an impostor"))
    assert catalog.get("nbody") is nbody


def test_compiler_errors_keep_file_line_errors_only(tmp_path):
    stderr = "\n".join([
        "warning: k/x.py:3:4: Unused entry 'y'",
        f"{tmp_path}/k/x.py:7:9: Cannot convert 'str' to double",
        "build/x.c:10:5: warning: unused variable 'z'",
        "build/x.c:12:1: error: expected ';' before '}' token",
        "ModuleNode.body = StatListNode(x.py:16: 0)",
    ])
    assert compiler_errors(stderr, cwd=tmp_path) == [
        "k/x.py:7: Cannot convert 'str' to double",
        "build/x.c:12: error: expected ';' before '}' token",
    ]


@pytest.mark.slow
@pytest.mark.native
def test_the_whole_flow(tmp_path):
    kdir = tmp_path / "myk"
    out = speedlab("new", "hist", "--dir", kdir)
    assert out.returncode == 0, out.stderr
    assert {p.name for p in kdir.glob("*.py")} == {"hist.py", "hist_typed.py", "hist_spec.py", "test_hist.py"}

    out = speedlab("build", kdir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("built ") == 2, out.stdout

    out = speedlab("build", kdir)  # nothing changed: no work
    assert out.returncode == 0 and out.stdout.count("up to date") == 2, out.stdout

    out = speedlab("verify", "--from", kdir)
    assert out.returncode == 0, out.stdout + out.stderr
    for rung in ("python", "compiled", "typed", "native", "parallel", "uncompiled"):
        assert f" {rung} " in out.stdout and "FAILED" not in out.stdout

    out = speedlab("bench", "--from", kdir, "--quick", "--rounds", "1")
    assert out.returncode == 0, out.stderr
    assert "hist:" in out.stdout and "nbody" not in out.stdout  # --from restricts the verb
    assert "over typed (memory discipline)" in out.stdout

    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(kdir)],
                         capture_output=True, text=True, cwd=kdir, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]

    # A changed source rebuilds that module only; the other stays up to date.
    pure = kdir / "hist.py"
    pure.write_text(pure.read_text() + "\n# changed\n")
    out = speedlab("build", kdir)
    assert out.returncode == 0, out.stderr
    assert "built      _speedlab_compiled.hist " in out.stdout
    assert "up to date _speedlab_native.hist_typed " in out.stdout

    # The wheel carries the entry point: installed, the kernel needs no --from.
    out = speedlab("build", kdir, "--wheel", "--wheel-dir", tmp_path / "dist")
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = speedlab("verify", "hist", pythonpath=[site], cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

    # A kernel that does not compile: file:line, concise, exit 2.
    typed = kdir / "hist_typed.py"
    lines = typed.read_text().splitlines()
    at = lines.index("    counts: list = [0] * 256") + 1
    lines.insert(at, '    bad: cython.double = "text"')
    typed.write_text("\n".join(lines) + "\n")
    out = speedlab("build", kdir, cwd=tmp_path)
    assert out.returncode == 2
    assert f"myk/hist_typed.py:{at + 1}:" in out.stderr, out.stderr
    assert len(out.stderr.splitlines()) <= 12


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


SPEC_TEMPLATE = '''
from speedlab import KernelSpec, Sizes, Variant


def total(values, *, impl=None):
    return SPEC.variant(impl or "python").load()(values)


def make_input(n):
    return (list(range(n)),)


SPEC = KernelSpec(
    name={name!r}, summary="sum of 0..n-1", api="{module}:total",
    variants=(Variant("python", "builtins:sum"), Variant("native", "{module}:off_by_one")),
    make_input=make_input, sizes=Sizes(test=10, quick=100, full=1000), unit="item",
    work=float, render=lambda r, n: f"{{r}}\\n".encode(), sample_sizes=(0, 5),
    no_parallel="an example",
)


def off_by_one(values):
    return sum(values) + (1 if len(values) == 5 else 0)
'''


def test_variants_that_disagree_are_named_with_the_input_and_both_results(tmp_path):
    write(tmp_path / "k" / "summer_spec.py", SPEC_TEMPLATE.format(name="summer", module="summer_spec"))
    out = speedlab("verify", "--from", tmp_path / "k")
    assert out.returncode == 1
    assert "summer         native     FAILED    n=5: native gave 11, python gave 10" in out.stdout


def test_a_duplicate_kernel_name_is_refused(tmp_path):
    path = write(tmp_path / "dup_spec.py", SPEC_TEMPLATE.format(name="nbody", module="dup_spec"))
    line = one_line_error(speedlab("verify", "--from", path))
    assert "duplicate kernel name 'nbody'" in line and "dup_spec.py" in line


@pytest.mark.parametrize("setup, expected", [
    (lambda d: d, "no kernel spec here"),
    (lambda d: d / "missing", "no such file or directory"),
    (lambda d: write(d / "x_spec.py", "import nothing_of_that_name\n"), "x_spec.py:1: the spec file failed to import"),
    (lambda d: write(d / "x_spec.py", "SPEC = 42\n"), "must hold speedlab.KernelSpec"),
    (lambda d: write(d / "x_spec.py", "X = 1\n"), "defines neither SPEC"),
], ids=["empty-dir", "missing", "import-error", "not-a-spec", "no-spec"])
def test_a_path_without_a_usable_spec_is_one_line_and_exit_2(tmp_path, setup, expected):
    path = setup(tmp_path)
    for verb in ("verify", "bench", "list", "build"):
        args = (verb, path) if verb == "build" else (verb, "--from", path)
        assert expected in one_line_error(speedlab(*args))


def test_new_refuses_bad_names_and_never_overwrites(tmp_path):
    assert "shadow" in one_line_error(speedlab("new", "array", "--dir", tmp_path / "a"))
    assert "duplicate kernel name 'nbody'" in one_line_error(speedlab("new", "nbody", "--dir", tmp_path / "b"))
    assert "lower-case" in one_line_error(speedlab("new", "My-Kernel"))
    assert speedlab("new", "hist", "--dir", tmp_path / "c").returncode == 0
    assert "not overwriting" in one_line_error(speedlab("new", "hist", "--dir", tmp_path / "c"))


def test_a_broken_entry_point_is_listed_and_the_rest_still_work(tmp_path):
    info = tmp_path / "broken_kernels-1.0.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: broken-kernels\nVersion: 1.0\n")
    write(info / "entry_points.txt", "[speedlab.kernels]\nbad = no_such_module_here:SPEC\n")
    out = speedlab("list", pythonpath=[tmp_path])
    assert out.returncode == 2
    assert "BROKEN entry point broken-kernels:bad" in out.stderr and "no_such_module_here" in out.stderr
    assert "nbody" in out.stdout
    out = speedlab("verify", "nbody", pythonpath=[tmp_path])
    assert out.returncode == 0, out.stderr
