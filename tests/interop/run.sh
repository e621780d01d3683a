#!/bin/sh
# run.sh [BUILD] - the Optuna interoperability tests. Builds tests/interop/hpo_interop
# against BUILD/libhpo.a (default build/release), creates a virtual environment
# ($HPO_INTEROP_VENV, default BUILD/interop-venv) with Optuna 5.0.0 and
# optuna-dashboard 0.21.0 from PyPI, and runs test_optuna.py. PostgreSQL is covered
# when HPO_TEST_PG_URL is set (tests/pg/start.sh prints one).
set -eu
build=${1:-build/release}
venv=${HPO_INTEROP_VENV:-$build/interop-venv}
make -s BUILD="$build" "$build/libhpo.a" >/dev/null
mkdir -p "$build/interop"
cc -std=c11 -O2 -Iinclude -D_POSIX_C_SOURCE=200809L -o "$build/interop/hpo_interop" \
    tests/interop/hpo_interop.c "$build/libhpo.a" \
    $(pkg-config --libs jansson yaml-0.1 sqlite3 libpq) \
    -llapacke $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -llbfgsb -lm -pthread
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q optuna==5.0.0 optuna-dashboard==0.21.0 "psycopg[binary]"
fi
HPO_INTEROP="$build/interop/hpo_interop" "$venv/bin/python" tests/interop/test_optuna.py
