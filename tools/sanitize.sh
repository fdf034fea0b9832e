#!/usr/bin/env bash
# Run the test suite against an instrumented build of the kernels.
#
#   tools/sanitize.sh [asan|debug] [PYTEST ARGS...]
#
# asan  (default) builds every extension with -fsanitize=address,undefined (UB is
#       fatal: -fno-sanitize-recover=undefined) and runs pytest with libasan and
#       libubsan preloaded, since the python executable itself is not instrumented.
# debug builds with SPEEDLAB_DEBUG_BUILD=1 (-O0 -g, Cython bounds, wraparound and
#       initialisation checks on in the native rungs too) and runs pytest.
#
# Nothing touches the checkout's own build: the tracked and untracked (not ignored)
# files are copied to $SANITIZE_DIR (default ${TMPDIR:-/tmp}/speedlab-sanitize-MODE),
# which gets its own venv and its own .build/ directory. The sanitizer flags reach
# the compiler through CFLAGS/LDFLAGS, which setuptools passes to every compile and
# link (and CC, for the executables setup.py links to probe the compiler);
# setup.py is not changed. Environment: PYTHON (default python3) makes the
# venv, CC (default gcc) locates libasan/libubsan.
#
# ASan notes:
# * detect_leaks=0: CPython keeps many allocations alive until exit by design, and
#   LeakSanitizer would report all of them; leaks in kernels are what
#   tests/test_resources.py measures instead.
# * PYTHONMALLOC=malloc routes Python's small objects through malloc so ASan also
#   sees overruns of buffers that Python allocated (bytes, lists) and kernels touch.
# * allocator_may_return_null=1: an impossible allocation returns NULL (as glibc
#   does) so kernels must raise MemoryError instead of ASan aborting for them.
# * Tests marked memory_accounting (RSS growth, RLIMIT_AS) are deselected: ASan's
#   shadow memory and quarantine make RSS and address-space limits meaningless.
set -euo pipefail

MODE=${1:-asan}
case "$MODE" in
  asan|debug) shift || true ;;
  -*) MODE=asan ;;
  *) echo "usage: $0 [asan|debug] [pytest args...]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${SANITIZE_DIR:-${TMPDIR:-/tmp}/speedlab-sanitize-$MODE}
PY=${PYTHON:-python3}
CC_BIN=${CC:-gcc}
TREE=$WORK/tree
VENV=$WORK/venv

echo "== copying $ROOT to $TREE"
rm -rf "$TREE"
mkdir -p "$TREE"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
   | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
   | tar --null -T - -cf -) | tar -xf - -C "$TREE"

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
# Every run, so a venv left by an older checkout is brought up to what the build
# (pyproject's [build-system]) and the package (--no-deps below) need now; a
# venv's bundled setuptools is too old for the SPDX license field.
"$VENV/bin/pip" install -q --upgrade "setuptools>=77" "Cython>=3.3" wheel numpy rich pytest hypothesis

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
MARKS=()
if [ "$MODE" = asan ]; then
  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
  echo "== building with $SAN"
  # NOTE: LDFLAGS reaches the shared-object link only; setup.py's compiler probe
  # links an executable with plain $CC, so -fsanitize rides on CC as well.
  (cd "$TREE" && CC="$CC_BIN -fsanitize=address,undefined" CFLAGS="$SAN" LDFLAGS="$SAN" \
     "$VENV/bin/pip" install -q --no-build-isolation --no-deps -e .)
  PRELOAD="$("$CC_BIN" -print-file-name=libasan.so) $("$CC_BIN" -print-file-name=libubsan.so)"
  for lib in $PRELOAD; do
    [ -e "$lib" ] || { echo "error: $lib not found (install gcc's libasan/libubsan)" >&2; exit 2; }
  done
  # A build that silently dropped the flags would "pass" uninstrumented.
  for so in "$TREE"/src/speedlab/_native/*.so "$TREE"/src/speedlab/_compiled/*.so; do
    # grep -c reads all of nm's output: grep -q would exit early, nm would die of
    # SIGPIPE, and pipefail would report an instrumented module as not instrumented.
    [ "$(nm -D "$so" | grep -c __asan_report)" -gt 0 ] || { echo "error: $so is not instrumented" >&2; exit 2; }
  done
  echo "== every extension module is instrumented (calls __asan_report_*)"
  # Deselected under ASan: address-space caps and RSS readings (ASan reserves
  # terabytes of shadow memory) and wall-clock bounds (its malloc is ~10x slower).
  MARKS=(-m "not memory_accounting and not latency")
  RUN=(env LD_PRELOAD="$PRELOAD" PYTHONMALLOC=malloc)
else
  echo "== building with SPEEDLAB_DEBUG_BUILD=1"
  (cd "$TREE" && SPEEDLAB_DEBUG_BUILD=1 "$VENV/bin/pip" install -q --no-build-isolation --no-deps -e .)
  RUN=(env)
fi

"$VENV/bin/python" -c "import json, speedlab._native as n, pathlib; \
info = json.loads((pathlib.Path(n.__file__).parent / '_buildinfo.json').read_text()); \
print('== speedlab flags:', ' '.join(info['cflags']), '(plus CFLAGS) | debug build:', info['debug'])"

echo "== pytest ($MODE)"
cd "$TREE"
"${RUN[@]}" "$VENV/bin/python" -m pytest -q -p no:cacheprovider ${MARKS[@]+"${MARKS[@]}"} "$@"
