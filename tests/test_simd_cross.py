"""Every vector path of every simd body, the arm64 wheels' NEON included, against native.

test_simd.py and test_simd_exact.py run the paths this CPU has inside the
extension. The NEON bodies run only on arm64, which this suite's machine is
not: here ``tests/simd_driver.c`` drives each body the way its .pyx does,
compiled with the build's own flags by gcc and by clang (the Linux wheels'
compiler and the macOS wheels'), once for this machine (each x86-64 path the
CPU has, which also checks the driver's glue against the extension) and once
for AArch64, run under ``qemu-aarch64``. Every result must equal the
installed extension's ``native`` rung exactly: bytes, or the bits of a double
-- except nbody's on AVX-512, which leaves the divider out (see
nbody_body.h's nb_mag): there each pair's magnitude is checked against the
exact value, within its stated bound.

The AArch64 half needs ``aarch64-linux-gnu-gcc``, ``clang`` and
``qemu-aarch64`` (Debian/Ubuntu: gcc-aarch64-linux-gnu clang qemu-user). A
missing tool skips what needs it, with that reason, unless
SPEEDLAB_REQUIRE_NEON=1 (CI sets it) makes it a failure.
"""
from __future__ import annotations

import math
import os
import random
import shutil
import struct
import subprocess
import sysconfig
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

from speedlab import _simd
from speedlab._buildtools import compile_flags, require_variable, required
from speedlab._impl import choose

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "tests" / "simd_driver.c"] + [
    ROOT / "kernels" / "c" / f"{name}.c" for name in ("chacha20", "fannkuchredux", "nbody", "spectralnorm")]
INCLUDES = ["-I", str(ROOT / "kernels"), "-I", str(ROOT / "src" / "speedlab" / "include")]
QEMU = "qemu-aarch64"
#: How to compile for each target, by compiler: the Linux wheels are built by gcc,
#: the macOS ones (x86-64 and arm64) by clang.
COMPILERS = {
    ("host", "gcc"): None,  # the compiler Python was built with (sysconfig CC)
    ("host", "clang"): ["clang"],
    ("arm64", "gcc"): ["aarch64-linux-gnu-gcc", "-static"],
    ("arm64", "clang"): ["clang", "--target=aarch64-linux-gnu", "-static"],
}
INSTALL = "gcc-aarch64-linux-gnu, clang and qemu-user (Debian/Ubuntu)"

pytestmark = pytest.mark.native  # every result is compared with the compiled native rung

#: The compilers, qemu and the driver are not what a sanitizer run instruments
#: (tools/sanitize.sh preloads libasan for Python): they run without it.
ENV = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


def _missing(target: str, compiler: str) -> list[str]:
    tools = [COMPILERS[target, compiler][0]] if COMPILERS[target, compiler] else []
    return [tool for tool in tools + ([QEMU] if target == "arm64" else []) if shutil.which(tool) is None]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """``builds(target, compiler)``: the command that runs the driver so built (built once)."""
    made: dict[tuple[str, str], list[str]] = {}

    def build(target: str, compiler: str) -> list[str]:
        if (target, compiler) not in made:
            missing = _missing(target, compiler)
            if missing:
                message = f"{', '.join(missing)} not found: install {INSTALL} to run these bodies"
                if required("neon"):
                    pytest.fail(f"{require_variable('neon')}=1 but {message}")
                pytest.skip(message)
            if not all(path.exists() for path in SOURCES):
                pytest.fail(f"the C sources under {ROOT} are missing: run the tests from the source tree")
            command = COMPILERS[target, compiler] or (sysconfig.get_config_var("CC") or "cc").split()
            out = tmp_path_factory.mktemp(f"{target}-{compiler}") / "simd_driver"
            flags = compile_flags("unix", debug=False, native_arch=False)
            cmd = [*command, *flags, "-Wall", "-Werror", *INCLUDES, "-o", str(out), *map(str, SOURCES), "-lm"]
            done = subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=False)
            assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stderr}"
            # Static AArch64 binaries: qemu needs no AArch64 loader or libraries installed.
            made[target, compiler] = ([QEMU] if target == "arm64" else []) + [str(out)]
        return made[target, compiler]

    return build


def _paths() -> list:
    """Every (target, compiler, path) run here: this CPU's x86-64 paths, and NEON."""
    host_paths = [p for p in ("sse2", "avx2", "avx512") if p in _simd.supported()]
    return [pytest.param((target, compiler, path), id=f"{path}-{compiler}")
            for target, compiler in COMPILERS
            for path in (host_paths if target == "host" else ["neon"])]


@pytest.fixture(params=_paths())
def driver(request, builds):
    """Run the driver on one path: ``driver(kernel, arg, stdin=b"") -> stdout bytes``."""
    target, compiler, path = request.param
    command = builds(target, compiler)

    def run(kernel: str, arg, stdin: bytes = b"") -> bytes:
        done = subprocess.run([*command, path, kernel, str(arg)], input=stdin, capture_output=True,
                              timeout=300, env=ENV, check=False)
        assert done.returncode == 0, f"{path} {kernel} {arg}: exit {done.returncode}\n{done.stderr.decode()}"
        return done.stdout

    run.path = path
    return run


def _double(text: bytes) -> list[float]:
    return [float.fromhex(word) for word in text.decode().split()]


@pytest.mark.parametrize("size", [0, 64, 100, 1000, 4096, 65_536 + 37])
def test_chacha20(driver, size):
    key, nonce = bytes(range(1, 33)), bytes(range(40, 52))
    data = bytes((7 * i + 3) % 256 for i in range(size))
    for counter in (1, 0xFFFFFFF0 - size // 64):  # the last: the counter nears its wrap
        assert driver("chacha20", counter, key + nonce + data) == \
            choose("chacha20", "native")(key, nonce, data, counter)


@pytest.mark.parametrize("n", [1, 7, 8, 33, 200, 601])
def test_mandelbrot(driver, n):
    assert driver("mandelbrot", n) == choose("mandelbrot", "native")(n)


@pytest.mark.parametrize("steps", [0, 1, 1000, 20_000])
def test_nbody(driver, steps):
    from speedlab.pure.nbody import make_system, offset_momentum

    bodies = make_system()
    offset_momentum(bodies)
    raw = b"".join(struct.pack("<7d", *position, *velocity, mass) for position, velocity, mass in bodies)
    got, expected = _double(driver("nbody", steps, raw)), list(choose("nbody", "native")(steps))
    if driver.path == "avx512":  # a few ulps per magnitude (test_nbody_magnitudes)
        assert got == pytest.approx(expected, rel=1e-13, abs=0)
    else:
        assert got == expected


#: AVX-512's magnitudes: at most 5 ulps from the exact dt / d2^(3/2) (measured
#: over 2*10^7 values, nbody_body.h), and the product with the separation rounds once more.
NBODY_ULPS = 6


def test_nbody_magnitudes(driver):
    # One step of systems where body 0 sits at rest at (dx, 0, 0) with no mass
    # and body 1, of mass 1, at the origin (bodies 2-4 far off, massless): body
    # 0's new vx is 0 - dx * (1 * mag), mag the path's dt / (d2 * sqrt(d2)) for
    # d2 = dx * dx, a different d2 in each system.
    rng = random.Random(20261202)
    dxs = [0.5, 1.0, 3.0] + [rng.uniform(0.02, 60.0) for _ in range(3000)]
    far = [(0.0, 100.0 * k, 0.0, 0.0, 0.0, 0.0, 0.0) for k in (1, 2, 3)]
    raw = b"".join(struct.pack("<35d", dx, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                               *(x for body in far for x in body)) for dx in dxs)
    lines = driver("nbody-bodies", 1, raw).decode().splitlines()
    assert len(lines) == len(dxs)
    with localcontext() as ctx:
        ctx.prec = 50
        for dx, line in zip(dxs, lines):
            vx = float.fromhex(line.split()[3])
            d2 = dx * dx
            if driver.path != "avx512":  # native's expression, native's bits
                assert vx == 0.0 - dx * (1.0 * (0.01 / (d2 * math.sqrt(d2)))), dx
                continue
            exact = -Decimal(dx) * Decimal(0.01) / (Decimal(d2) * Decimal(d2).sqrt())
            off = abs(Decimal(vx) - exact) / Decimal(math.ulp(float(exact)))
            assert off <= NBODY_ULPS, (dx, float(off))


@pytest.mark.parametrize("n", [1, 2, 15, 100, 257])
def test_spectralnorm(driver, n):
    assert _double(driver("spectralnorm", n)) == [choose("spectralnorm", "native")(n)]


def test_spectralnorm_entries_are_correctly_rounded(driver):
    # Each entry as its own product: every reciprocal the path computes (on
    # AVX-512 an estimate and Newton steps, elsewhere a division) must be the
    # correctly rounded 1 / den that Python's division gives. Two Newton steps
    # instead of three miss about 1 in 700 of these.
    n = 3000
    expected = []
    for transpose in (False, True):
        for column in (0, n - 1):
            for row in range(n):
                i, j = (column, row) if transpose else (row, column)
                expected.append(1.0 / ((i + j) * (i + j + 1) // 2 + i + 1))
    assert _double(driver("spectralnorm-entries", n)) == expected


@pytest.mark.parametrize("n", [1, 3, 7, 8, 9])
def test_fannkuchredux(driver, n):
    checksum, flips = driver("fannkuchredux", n).split()
    assert (int(checksum), int(flips)) == choose("fannkuchredux", "native")(n)


def _tables() -> bytes:
    """revcomp.pyx's TABLE (256 bytes) and LETTERS (32), from the twin's complement."""
    from speedlab.pure.revcomp import COMPLEMENT

    letters = bytes(COMPLEMENT[0x60 | i] if COMPLEMENT[0x60 | i] != (0x60 | i) else 0 for i in range(32))
    return bytes(COMPLEMENT[i] for i in range(256)) + letters


REVCOMP_INPUTS = {
    "fasta-2000": lambda: choose("fasta", "native")(2000),
    # lines longer and shorter than 60, lower case, IUPAC letters, bytes that stay,
    # a '>' inside a line, text before the first record, an empty record, no final newline
    "odd": lambda: (b"junk line\n>one\n" + b"ACGTRYKMBVDHNacgtrykmbvdhn*-x" * 9 + b"\nAC>G\n\n"
                    + b"GGGTTTAAAC" * 13 + b"\n>empty\n>last no newline\n" + b"TTAGC" * 31),
}


@pytest.mark.parametrize("name", sorted(REVCOMP_INPUTS))
@pytest.mark.parametrize("piece", [1, 7, 61, 4096])
def test_revcomp(driver, name, piece):
    data = REVCOMP_INPUTS[name]()
    assert driver("revcomp", piece, _tables() + data) == choose("revcomp", "native")(data)


@pytest.mark.parametrize("bases", [1, 7, 61, 4096])
def test_revcomp_in_place(driver, bases):
    # One record's sequence at a time, swapped in runs of `bases` from both ends:
    # every length of line and of the last line near the vector widths, odd and
    # even, lower case and every IUPAC letter; against native's in-place passes.
    from speedlab._native.revcomp import reverse_complement_inplace_native

    rng = random.Random(bases)
    for length in (*range(0, 70), 119, 120, 121, 128, 1000, 12_345):
        seq = bytes(rng.choice(b"ACGTRYKMBVDHNacgtrykmbvdhn*-x") for _ in range(length))
        body = b"".join(seq[i:i + 60] + b"\n" for i in range(0, length, 60))
        want = bytearray(b">h\n" + body)
        reverse_complement_inplace_native(want)
        assert driver("revcomp-swap", bases, _tables() + body) == want[3:], length


def test_driver_refuses_a_path_it_lacks(builds):
    """The driver's own check: asking the host build for NEON is exit 2, not a crash."""
    done = subprocess.run([*builds("host", "gcc"), "neon", "mandelbrot", "8"], capture_output=True, text=True,
                          env=ENV, check=False)
    assert done.returncode == 2 and "neon" in done.stderr
