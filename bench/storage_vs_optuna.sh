#!/bin/sh
# storage_vs_optuna.sh [HPO_BENCH] [PYTHON] - hpo-bench storage and Optuna side by side on
# the same database servers in one run: trials/s for memory, SQLite (1 and 4
# processes) and PostgreSQL (1 and 4 processes), then the per-ask cost at 1000
# and 10000 finished trials. PostgreSQL: $HPO_TEST_PG_URL, or a throw-away
# cluster from tests/pg/start.sh. PYTHON must have optuna (and psycopg for
# PostgreSQL), e.g. the venv tests/interop/run.sh creates. JSON lines on stdout.
set -eu
bench=${1:-build/hpo-bench}
py=${2:-python3}
opt="$py bench/optuna_storage_bench.py"
tmp=$(mktemp -d /tmp/hpo-storage-bench.XXXXXX)
pg=${HPO_TEST_PG_URL:-}
if [ -z "$pg" ]; then
    # Its own directory directly under /tmp: as root the server runs as 'nobody',
    # who cannot enter $tmp (mode 0700).
    pgdir=$(mktemp -d /tmp/hpo-storage-bench-pg.XXXXXX)
    pg=$(sh tests/pg/start.sh "$pgdir")
    trap 'sh tests/pg/stop.sh "$pgdir"; rm -rf "$tmp" "$pgdir"' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
N_HPO=${N_HPO:-2000}
N_OPT=${N_OPT:-200}
"$bench" storage --storage :memory: --trials "$N_HPO"
$opt throughput --storage :memory: --trials "$N_OPT"
for url in "sqlite:///$tmp/bench.db" "$pg"; do
    for procs in 1 4; do
        "$bench" storage --storage "$url" --procs $procs --trials "$N_HPO"
        $opt throughput --storage "$url" --procs $procs --trials "$N_OPT"
    done
    for h in 1000 10000; do
        for s in random tpe; do
            line=$("$bench" storage --storage "$url" --mode ask --history $h --sampler $s)
            echo "$line"
        done
        study=$(echo "$line" | sed 's/.*"study":"\([^"]*\)".*/\1/')
        $opt ask --storage "$url" --study "$study" --asks 20 --sampler random
        $opt ask --storage "$url" --study "$study" --asks 20 --sampler tpe
    done
done
