"""Implementation selection: SPEEDLAB_IMPL, impl=, and the build actually in use."""

import os
import subprocess
import sys

import pytest

from speedlab import _impl


def _fresh(code: str, **env_overrides) -> str:
    """Run ``code`` in a fresh, isolated interpreter (-I) with SPEEDLAB_* cleared."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEEDLAB_")}
    env.update(env_overrides)
    out = subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, cwd=os.path.dirname(__file__))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.native
def test_fresh_interpreter_uses_the_native_build():
    # Without this, a broken build would pass every other test, slowly, in pure Python.
    code = ("import speedlab, speedlab.catalog as c, speedlab._impl as i\n"
            "print(speedlab.IMPLEMENTATION)\n"
            "print(*sorted({i.choose(s.name, None).__module__ for s in c.kernels()}))")
    implementation, modules = _fresh(code).splitlines()
    assert implementation == "native"
    assert all(m.startswith("speedlab._native.") for m in modules.split()), modules


def test_pure_mode_selects_the_twin():
    code = "import speedlab, speedlab._impl as i; print(speedlab.IMPLEMENTATION, i.choose('nbody', None).__module__)"
    assert _fresh(code, SPEEDLAB_IMPL="pure") == "pure speedlab.pure.nbody"


def test_import_speedlab_loads_no_kernel():
    code = ("import sys, speedlab\n"
            "print(sorted(m for m in sys.modules if m.startswith(('speedlab._native', 'speedlab._compiled', 'numpy'))))")
    assert _fresh(code) == "[]"


def test_bad_mode(monkeypatch):
    monkeypatch.setenv("SPEEDLAB_IMPL", "fast")
    with pytest.raises(ValueError, match="SPEEDLAB_IMPL must be one of auto, native, pure"):
        _impl.choose("nbody", None)


def test_native_mode_fails_loudly_when_unbuilt(monkeypatch):
    from speedlab import catalog
    from speedlab.spec import KernelSpec, Sizes, Variant, VariantUnavailable

    ghost = KernelSpec(
        name="ghost", summary="unbuilt", api="speedlab.nbody:energies",
        variants=(Variant("python", "speedlab.pure.nbody:energies"),
                  Variant("native", "speedlab._native.ghost:energies")),
        make_input=lambda n: (n,), sizes=Sizes(1, 1, 1), unit="step", work=float,
        render=lambda r, n: b"", no_parallel="test kernel")
    monkeypatch.setitem(catalog._registry, "ghost", ghost)
    monkeypatch.setenv("SPEEDLAB_IMPL", "native")
    with pytest.raises(ImportError, match=r"speedlab\._native\.ghost .*pip install"):
        _impl.choose("ghost", None)
    assert issubclass(VariantUnavailable, ImportError)
    monkeypatch.setenv("SPEEDLAB_IMPL", "auto")
    with pytest.warns(RuntimeWarning, match="not built"):
        assert _impl.choose("ghost", None).__module__ == "speedlab.pure.nbody"
