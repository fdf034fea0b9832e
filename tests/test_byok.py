"""Bring your own kernel: scaffold -> build -> verify -> bench in a temporary directory, and bad input.

The catalog-driven tests cannot see this: the user's kernels live outside the
package, are compiled by ``speedlab build`` and reach the catalog through
``--from`` or an entry point.
"""

import dataclasses
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from speedlab import catalog
from speedlab.byok.build import compiler_errors

ROOT = Path(__file__).resolve().parents[1]


def speedlab(*args, cwd=None, pythonpath=None, timeout=240, env=None):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}, **(env or {})}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    out = subprocess.run([sys.executable, "-m", "speedlab", *map(str, args)], capture_output=True,
                         text=True, timeout=timeout, env=env, cwd=cwd)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def install_wheel(wheel: Path, target: Path) -> Path:
    """``pip install`` the wheel alone into ``target`` (pip checks its tags, RECORD and layout)."""
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                          "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return target


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
    assert (kdir / "golden" / "hist-1000.txt").is_file()

    out = speedlab("build", kdir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("built ") == 2, out.stdout

    # Annotated as speedlab's own: a page per module in one flat place, its summary beside the module.
    out = speedlab("build", kdir, pythonpath=None, cwd=tmp_path, env={"SPEEDLAB_ANNOTATE": "1"})
    assert out.returncode == 0, out.stderr
    pages = sorted(p.relative_to(kdir / ".speedlab" / "annotate").as_posix()
                   for p in (kdir / ".speedlab" / "annotate").rglob("*.html"))
    assert pages == ["compiled/hist.html", "native/hist_typed.html"]  # no absolute path copied in
    assert "annotated  _speedlab_native.hist_typed" in out.stdout
    assert "myk/.speedlab/annotate/native/hist_typed.html" in out.stdout
    code = ("import json, sys; from speedlab import byok; from speedlab.bench import explain; "
            "(spec,) = byok.load(sys.argv[1], register=False); "
            "r = explain.explain(spec, threads=[1], scale=0.02); "
            "print(json.dumps({k: r['annotation']['rungs'][k] for k in ('compiled', 'native')}))")
    ran = subprocess.run([sys.executable, "-c", code, str(kdir)], capture_output=True, text=True, timeout=240)
    assert ran.returncode == 0, ran.stderr
    evidence = json.loads(ran.stdout.strip().splitlines()[-1])
    assert evidence["compiled"]["py_lines"] > 0  # untyped: every line still calls the C-API
    assert evidence["native"]["functions"]["_count"] == dict(evidence["native"]["functions"]["_count"],
                                                            nogil=True, py_lines=0)

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
    assert "15 passed" in out.stdout  # 6 variants (two inputs each), 4 bad inputs, 5 part counts

    # A changed source rebuilds that module only; the other stays up to date.
    pure = kdir / "hist.py"
    pure.write_text(pure.read_text() + "\n# changed\n")
    out = speedlab("build", kdir)
    assert out.returncode == 0, out.stderr
    assert "built      _speedlab_compiled.hist " in out.stdout
    assert "up to date _speedlab_native.hist_typed " in out.stdout

    # The wheel: one package named after the directory, the entry point, the goldens;
    # installed by pip, the kernel needs no --from.
    out = speedlab("build", kdir, "--wheel", "--wheel-dir", tmp_path / "dist")
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name.startswith("myk-0.1.0-") and "pip install" in out.stdout
    site = install_wheel(wheel, tmp_path / "site")
    assert sorted(p.name for p in site.iterdir()) == ["myk", "myk-0.1.0.dist-info"]
    assert (site / "myk" / "golden" / "hist-1000.txt").is_file()
    assert not list(site.rglob("test_*.py"))
    out = speedlab("verify", "hist", pythonpath=[site], cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "hist           native     ok        1 golden" in out.stdout
    code = "from myk.hist_spec import hist; print(sum(hist(b'ab', b'ba')), sum(hist(bytes(70000), bytes(70000), n_threads=2)))"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(site)), cwd=tmp_path)
    assert ran.stdout.split() == ["2", "70000"], ran.stderr
    # Its requirement on speedlab is met by the speedlab installed here (pip resolves it, offline).
    dry = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", str(wheel)],
                         capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "Would install myk-0.1.0" in dry.stdout, dry.stdout + dry.stderr

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


# -- a kernel in pure Python: the whole path without a compiler, with 1, 2 or 3 inputs ----------

PURE_SPEC = '''
from speedlab import KernelSpec, Sizes, Variant, call

PACKAGE = f"{{__package__}}." if __package__ else ""


def {name}(*args, impl=None, n_threads=None):
    for i, a in enumerate(args):
        if not isinstance(a, list):
            raise TypeError(f"argument {{i}} must be a list, not {{type(a).__name__}}")
    return call(SPEC, impl, *args, n_threads=n_threads)


def python(*args):
    return sum(sum(a) for a in args)


def other(*args):
    return sum(map(sum, args)){bug}


def make_input(n):
    return tuple(list(range(i, i + n)) for i in range({k}))


SPEC = KernelSpec(
    name={name!r}, summary="sum of {k} lists", api=PACKAGE + "{name}_spec:{name}",
    variants=(Variant("python", {python_target}), Variant("other", PACKAGE + "{name}_spec:other")),
    make_input=make_input, sizes=Sizes(test=10, quick=100, full=1000), unit="item",
    work=float, render=lambda r, n: f"{{r}}\\n".encode(), sample_sizes=(0, 5),
    oracles={oracles!r}, bad_inputs=((("x",) * {k}, TypeError),), no_parallel="an example",
)
'''


def pure_kernel(directory: Path, name="summer", *, k=1, bug=False, oracles=None, python_target=None) -> Path:
    """A kernel directory holding one pure-Python spec (no build step) with ``k`` inputs."""
    return write(directory / f"{name}_spec.py", PURE_SPEC.format(
        name=name, k=k, bug=" + (1 if len(args[0]) == 5 else 0)" if bug else "", oracles=oracles or {},
        python_target=python_target or f'PACKAGE + "{name}_spec:python"'))


@pytest.mark.parametrize("k", [1, 3])
def test_the_scaffold_test_runs_the_checks_of_verify_for_any_number_of_inputs(tmp_path, k):
    kdir = tmp_path / "k"
    assert speedlab("new", "summer", "--dir", kdir).returncode == 0
    pure_kernel(kdir, k=k)  # the scaffolded test file, a spec of k inputs

    def both():
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_summer.py"],
                               capture_output=True, text=True, cwd=kdir, timeout=120)
        return tests, speedlab("verify", "--from", kdir)

    tests, verify = both()
    assert tests.returncode == 0, tests.stdout[-2000:]
    assert "3 passed" in tests.stdout  # two variants and one bad input
    assert verify.returncode == 0, verify.stdout
    pure_kernel(kdir, k=k, bug=True)  # `other` is off by one at n=5: both must say so
    tests, verify = both()
    assert tests.returncode == 1 and "n=5: other gave" in tests.stdout, tests.stdout[-2000:]
    assert verify.returncode == 1 and "other      FAILED    n=5: other gave" in verify.stdout


def test_new_writes_the_files_it_says_it_writes(tmp_path):
    from speedlab.byok.scaffold import TEMPLATES

    out = speedlab("new", "hist", "--dir", tmp_path / "k")
    assert out.returncode == 0, out.stderr
    written = {p.relative_to(tmp_path / "k").as_posix() for p in (tmp_path / "k").rglob("*") if p.is_file()}
    listed = {line.strip() for line in out.stdout.splitlines() if line.startswith("  ")}
    assert written == listed and f"wrote {len(written)} files in" in out.stdout
    assert len(written) == len(TEMPLATES) + 1  # and .gitignore
    help_text = " ".join(speedlab("new", "--help").stdout.split())
    assert f"Write {len(written)} files:" in help_text


def test_new_leaves_nothing_half_written(tmp_path):
    kdir = tmp_path / "k"
    write(kdir / "golden", "a file where the golden directory goes\n")
    line = one_line_error(speedlab("new", "hist", "--dir", kdir))
    assert "cannot write" in line and "--dir" in line
    assert [p.name for p in kdir.iterdir()] == ["golden"]
    # /proc: a directory even root cannot create anything in
    assert "cannot write" in one_line_error(speedlab("new", "hist", "--dir", "/proc/speedlab-k"))


def test_a_typo_in_a_target_is_a_failed_row_not_a_stop(tmp_path):
    write(tmp_path / "k" / "summer_spec.py", PURE_SPEC.format(
        name="summer", k=1, bug="", oracles={}, python_target='PACKAGE + "summer_spec:python"')
        .replace('"summer_spec:other"', '"summer_spec:othr"'))
    write(tmp_path / "m" / "summer_spec.py", PURE_SPEC.format(
        name="summer", k=1, bug="", oracles={}, python_target='PACKAGE + "summer_spec:python"')
        .replace('"summer_spec:other"', '"sumer_spec:other"'))
    out = speedlab("verify", "--from", tmp_path / "k")
    assert out.returncode == 1, out.stderr
    assert "summer         other      FAILED    summer_spec has no 'othr': check the target" in out.stdout
    out = speedlab("verify", "--from", tmp_path / "m")
    assert out.returncode == 1 and "other      FAILED    sumer_spec is not available" in out.stdout


def test_a_user_kernel_ships_golden_outputs_that_verify_checks(tmp_path):
    kdir = tmp_path / "k"
    pure_kernel(kdir, k=2, oracles={5: "golden/summer-5.txt"})
    golden = write(kdir / "golden" / "summer-5.txt", "25\n")  # sum(0..4) + sum(1..5)
    out = speedlab("verify", "--from", kdir)
    assert out.returncode == 0 and "other      ok        1 golden, 2 sizes vs python" in out.stdout, out.stdout
    golden.write_text("26\n")
    out = speedlab("verify", "--from", kdir)
    assert out.returncode == 1 and "output for n=5 differs from golden/summer-5.txt" in out.stdout
    golden.unlink()
    out = speedlab("verify", "--from", kdir)
    assert out.returncode == 1 and "golden file golden/summer-5.txt for n=5 cannot be read" in out.stdout


def test_a_pure_kernel_wheel_is_one_package_and_installs_alone(tmp_path):
    kdir = tmp_path / "sums"
    pure_kernel(kdir, k=2, oracles={5: "golden/summer-5.txt"})
    write(kdir / "golden" / "summer-5.txt", "25\n")
    write(kdir / "test_summer.py", "def test_nothing():\n    pass\n")
    out = speedlab("build", kdir, "--wheel", "--wheel-dir", tmp_path / "dist")
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("sums-0.1.0.dist-info/entry_points.txt").decode()
        metadata = zf.read("sums-0.1.0.dist-info/METADATA").decode()
    assert {n.split("/")[0] for n in names} == {"sums", "sums-0.1.0.dist-info"}
    assert "sums/summer_spec.py" in names and "sums/golden/summer-5.txt" in names
    assert "sums/test_summer.py" not in names
    assert "summer_spec = sums.summer_spec:SPEC" in entry_points
    import speedlab as installed

    assert f"Requires-Dist: speedlab>={installed.__version__}" in metadata
    site = install_wheel(wheel, tmp_path / "site")
    out = speedlab("verify", "summer", pythonpath=[site], cwd=tmp_path)
    assert out.returncode == 0 and "1 golden" in out.stdout, out.stdout + out.stderr


def test_a_spec_naming_top_level_modules_is_refused_for_a_wheel(tmp_path):
    kdir = tmp_path / "sums"
    pure_kernel(kdir, python_target='"summer_spec:python"')  # no PACKAGE: breaks once installed
    assert speedlab("verify", "--from", kdir).returncode == 0  # fine from the directory
    line = one_line_error(speedlab("build", kdir, "--wheel", "--wheel-dir", tmp_path / "dist"))
    assert "variant 'python'" in line and "'summer_spec'" in line and "PACKAGE" in line
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("block, args, expected", [
    (True, (), "speedlab build: cannot write"),
    # /proc: a directory even root cannot create anything in; refused before any compiling
    (False, ("--wheel", "--wheel-dir", "/proc/dist"), "--wheel-dir /proc/dist: cannot write in /proc"),
], ids=["build-dir-is-a-file", "wheel-dir-unwritable"])
def test_unwritable_output_is_one_line(tmp_path, block, args, expected):
    kdir = tmp_path / "k"
    write(kdir / "tiny.py", "def f(x):\n    return x\n")
    write(kdir / "tiny_spec.py", BUILT_SPEC)
    if block:
        write(kdir / ".speedlab", "a file where the build directory goes\n")
    assert expected in one_line_error(speedlab("build", kdir, *args))
    assert not list(kdir.rglob("*.so"))


BUILT_SPEC = '''
from speedlab import KernelSpec, Sizes, Variant

SPEC = KernelSpec(
    name="tiny", summary="identity", api="tiny:f",
    variants=(Variant("python", "tiny:f"), Variant("native", "tiny:f", build="native")),
    make_input=lambda n: (n,), sizes=Sizes(test=1, quick=1, full=1), unit="call",
    work=float, render=lambda r, n: b"", no_parallel="an example",
)
'''


def test_build_without_a_compiler_is_one_line(tmp_path):
    kdir = tmp_path / "k"
    write(kdir / "tiny.py", "def f(x):\n    return x\n")
    write(kdir / "tiny_spec.py", BUILT_SPEC)
    line = one_line_error(speedlab("build", kdir, env={"CC": "/nonexistent/cc"}))
    assert "no working C compiler (tried '/nonexistent/cc')" in line and "apt-get install build-essential" in line
    assert not list(kdir.glob(".speedlab/lib/**/*.so"))


def _pyproject_cython() -> tuple[str, str]:
    import re

    text = (ROOT / "pyproject.toml").read_text()
    system = re.search(r'^requires = \[.*?"(Cython[^"]*)"', text, re.MULTILINE).group(1)
    extra = re.search(r'^build = \[.*?"(Cython[^"]*)"', text, re.MULTILINE).group(1)
    return system, extra


@pytest.mark.parametrize("fake, expected", [
    ("raise ImportError('no Cython here')\n", "(not installed)"),
    ("__version__ = '3.0.11'\n", "found Cython 3.0.11"),
], ids=["missing", "too-old"])
def test_build_without_cython_names_the_version_pyproject_needs(tmp_path, fake, expected):
    system, extra = _pyproject_cython()
    assert system == extra, "pyproject.toml: [build-system] and the build extra need one Cython"
    write(tmp_path / "fake" / "Cython" / "__init__.py", fake)
    pure_kernel(tmp_path / "k")
    line = one_line_error(speedlab("build", tmp_path / "k", pythonpath=[tmp_path / "fake"]))
    assert f"speedlab build needs {system}" in line and expected in line
    assert "pip install 'speedlab[build]'" in line


def test_run_and_explain_say_how_to_point_at_your_kernel(tmp_path):
    pure_kernel(tmp_path / "k")
    line = one_line_error(speedlab("run", "summer", "5", cwd=tmp_path))
    assert "unknown kernel 'summer'" in line and "add --from k" in line
    # explain --from DIR needs no KERNEL when DIR holds one kernel, and names them when it holds several
    out = speedlab("explain", "--from", tmp_path / "k", "--threads", "1", timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("summer: sum of 1 lists")
    pure_kernel(tmp_path / "k", name="twice")
    line = one_line_error(speedlab("explain", "--from", tmp_path / "k"))
    assert "name the KERNEL" in line and "summer" in line and "twice" in line
