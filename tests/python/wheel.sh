#!/bin/sh
# wheel.sh - package the Python binding and test the installed wheel.
# In a fresh venv (/usr/bin/python3 -m venv): pip wheel . (building
# libhpo.so.0 with make, bundled as hpo/libhpo.so.0), pip install the wheel,
# then, outside the source tree with HPO_LIBRARY and PYTHONPATH unset, import
# hpo (the library must load from the installed package) and run
# tests/python/test_binding.py. Network: only pip fetching setuptools.
# Last line: "wheel: ok (N tests)"; exit 1 with a message otherwise.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
PY=${WHEEL_PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hpo-wheel.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
unset HPO_LIBRARY PYTHONPATH PYTHONHOME

fail() { echo "wheel: FAIL: $*" >&2; exit 1; }

"$PY" -m venv "$TMP/venv" || fail "$PY -m venv"
VPY="$TMP/venv/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

"$VPY" -m pip -q wheel "$ROOT" -w "$TMP/dist" >"$TMP/pip.log" 2>&1 ||
    { cat "$TMP/pip.log" >&2; fail "pip wheel"; }
set -- "$TMP"/dist/hpo-*.whl
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one hpo wheel in dist, got: $(ls "$TMP/dist")"
WHL=$1
case ${WHL##*/} in
    hpo-*-py3-none-linux_*.whl) ;;
    *) fail "wheel not platform-tagged: ${WHL##*/}" ;;
esac
"$VPY" -c 'import sys, zipfile; sys.exit("hpo/libhpo.so.0" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$WHL" ||
    fail "${WHL##*/} does not carry hpo/libhpo.so.0"

"$VPY" -m pip -q install "$WHL" >"$TMP/pip.log" 2>&1 ||
    { cat "$TMP/pip.log" >&2; fail "pip install ${WHL##*/}"; }

# The in-tree build must leave nothing git would see (all of it goes to build/).
if command -v git >/dev/null && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    junk=$(git -C "$ROOT" status --porcelain --untracked-files=all |
           grep -E '\.egg-info|libhpo\.so|(^| |/)build/|\.whl$') &&
        fail "the build left files git sees: $junk"
fi

mkdir "$TMP/run" && cd "$TMP/run" || exit 1
"$VPY" -c '
import os, sys, hpo, hpo._core as core
from hpo.version import __version__
here = os.path.dirname(os.path.abspath(hpo.__file__))
lib = os.path.abspath(core._lib._name)
print(hpo.__version__, hpo.__file__)
assert hpo.__version__ == __version__, hpo.__version__
assert "site-packages" in here and not here.startswith(sys.argv[1]), here
assert lib == os.path.join(here, "libhpo.so.0"), "library loaded from " + lib
' "$ROOT" >"$TMP/import.log" 2>&1 || { cat "$TMP/import.log" >&2; fail "import hpo from the wheel"; }

"$VPY" "$ROOT/tests/python/test_binding.py" >"$TMP/tap" 2>&1
rc=$?
n=$(grep -c '^ok ' "$TMP/tap")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$TMP/tap" | head -n 1)
if [ $rc -ne 0 ] || grep -q '^not ok' "$TMP/tap" || [ -z "$plan" ] || [ "$n" -ne "$plan" ]; then
    grep -v '^ok ' "$TMP/tap" >&2
    fail "test_binding.py on the installed wheel (exit $rc, $n/${plan:-?} ok)"
fi
echo "wheel: ok ($n tests)"
