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


# -- n_threads alone selects the threaded variant (speedlab._impl.call) ------------------------

def test_n_threads_alone_selects_the_threaded_variant(monkeypatch):
    import fake_kernel

    calls = []

    def parallel(n, n_threads=None):
        calls.append(n_threads)
        return fake_kernel.native(n)

    monkeypatch.setattr(fake_kernel, "parallel", parallel)
    monkeypatch.delenv("SPEEDLAB_IMPL", raising=False)
    assert _impl.call(fake_kernel.SPEC, None, 10, n_threads=2) == fake_kernel.python(10)
    assert calls == [2]
    # an explicit single-thread variant with n_threads stays an error
    with pytest.raises(ValueError, match="n_threads applies only to impl='parallel'.*not impl='native'"):
        _impl.call(fake_kernel.SPEC, "native", 10, n_threads=2)
    monkeypatch.setenv("SPEEDLAB_IMPL", "pure")
    with pytest.raises(ValueError, match="SPEEDLAB_IMPL=pure"):
        _impl.call(fake_kernel.SPEC, None, 10, n_threads=2)


def test_n_threads_on_a_kernel_without_threads_says_why():
    with pytest.raises(ValueError, match="n_threads does not apply to nbody: it has no threaded variant: five bodies"):
        _impl.call("nbody", None, 10, n_threads=2)


@pytest.mark.native
def test_public_functions_take_n_threads_alone():
    from speedlab import catalog

    for spec in catalog.builtin_kernels():
        if "parallel" not in spec.variant_names:
            continue
        args = spec.make_input(spec.sizes.test)
        api = spec.public_function()
        assert spec.compare(api(*args, impl="python"), api(*args, n_threads=2)), spec.name
