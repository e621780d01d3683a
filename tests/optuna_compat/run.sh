#!/bin/sh
# run.sh [LIB] - Optuna 5.0.0's public-API tests (from its PyPI sdist) against hpo with
# `optuna` aliased to `hpo` (conftest.py): tests/study_tests/test_study.py,
# tests/trial_tests/test_trial.py, tests/test_distributions.py, tests/pruners_tests/ and
# tests/samplers_tests/test_samplers.py. Prints the modules out of scope (they import
# Optuna's private modules), the most common failures and the pass rate. Measures
# compatibility: it does not fail on failing tests, only when nothing ran.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=${1:-$top/build/release/libhpo.so.0}
work=${OPTUNA_COMPAT_DIR:-$top/build/optuna-compat}
mkdir -p "$work"
venv="$work/venv"
if [ ! -x "$venv/bin/pytest" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install -q pytest
fi
if [ ! -d "$work/optuna-5.0.0" ]; then
    "$venv/bin/pip" download -q --no-deps --no-binary :all: optuna==5.0.0 -d "$work"
    tar xzf "$work/optuna-5.0.0.tar.gz" -C "$work"
fi
tests="$work/optuna-5.0.0/tests"
cp "$top/tests/optuna_compat/conftest.py" "$tests/conftest.py"
cd "$tests"
HPO_LIBRARY="$lib" PYTHONPATH="$top/python" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    --continue-on-collection-errors --junitxml="$work/junit.xml" -o junit_family=xunit1 \
    study_tests/test_study.py trial_tests/test_trial.py test_distributions.py pruners_tests \
    samplers_tests/test_samplers.py > "$work/pytest.log" 2>&1 || true
"$venv/bin/python" "$top/tests/optuna_compat/summarize.py" "$work/junit.xml"
