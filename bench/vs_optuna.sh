#!/bin/sh
# vs_optuna.sh - hpo against Optuna on the same work, in the same run.
#
#   bench/vs_optuna.sh [--trials N] [--seed K] [--suite] [--seeds S]
#
# Builds build/hpo-bench (make bench), installs Optuna into a throw-away venv
# (5.0.0, or the newest 5.x that PyPI has; OPTUNA_VERSION overrides), runs the
# overhead objective under hpo's TPE and Optuna's TPESampler(seed=K), and prints
# both result lines and {"record":"ratio",...} (Optuna time / hpo time, so > 1
# means hpo is faster). With --suite it also runs the quality suite (100 trials,
# seeds 0..S-1) for hpo's samplers ($HPO_SAMPLERS, default "tpe random gp cmaes
# auto") and Optuna's ($OPTUNA_SAMPLERS, default "tpe gp cmaes": GPSampler and
# CmaEsSampler) and prints every result line, a summary line per function (best
# Optuna sampler, hpo/best ratios, wall time ratios) and a table of median final
# regret and median seconds per study (bench/suite_table.py).
#
# Environment: OPTUNA_VENV=DIR reuses a venv that already has optuna;
# HPO_BENCH=PATH uses that binary instead of building build/hpo-bench.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
trials=1000
seed=0
suite=0
seeds=10

while [ $# -gt 0 ]; do
    case $1 in
    --trials) trials=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --suite) suite=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "vs_optuna.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

if [ -z "${HPO_BENCH:-}" ]; then
    (cd "$root" && make -s bench >&2)
    HPO_BENCH=$root/build/hpo-bench
fi

if [ -n "${OPTUNA_VENV:-}" ]; then
    py=$OPTUNA_VENV/bin/python
else
    python3 -m venv "$tmp/venv"
    py=$tmp/venv/bin/python
    want=${OPTUNA_VERSION:-5.0.0}
    versions=$("$py" -m pip index versions optuna 2>/dev/null |
        sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ')
    if printf '%s\n' "$versions" | grep -qx "$want"; then
        ver=$want
    else
        ver=$(printf '%s\n' "$versions" | grep '^5\.' | head -n 1 || true)
        if [ -z "$ver" ]; then
            echo "vs_optuna.sh: optuna $want is not on PyPI and there is no 5.x" >&2
            exit 1
        fi
        echo "vs_optuna.sh: optuna $want is not on PyPI; using $ver" >&2
    fi
    echo "vs_optuna.sh: installing optuna==$ver into a throw-away venv" >&2
    "$py" -m pip install -q --disable-pip-version-check "optuna==$ver" >&2
fi
"$py" -c 'import optuna, sys; print("vs_optuna.sh: optuna", optuna.__version__, file=sys.stderr)'

# Overhead: the same objective, trial count and seed, one after the other.
"$HPO_BENCH" overhead --sampler tpe --trials "$trials" --seed "$seed" > "$tmp/hpo_overhead"
"$py" "$here/optuna_bench.py" overhead --sampler tpe --trials "$trials" --seed "$seed" \
    > "$tmp/optuna_overhead"
cat "$tmp/hpo_overhead" "$tmp/optuna_overhead"
"$py" - "$tmp/hpo_overhead" "$tmp/optuna_overhead" <<'EOF'
import json, sys
h = json.loads(open(sys.argv[1]).read())
o = json.loads(open(sys.argv[2]).read())
r = {"record": "ratio", "bench": "overhead", "sampler": "tpe", "n_trials": h["n_trials"],
     "numerator": o["impl"], "denominator": h["impl"]}
for k in ("tail_mean_s", "tail_p50_s", "total_s"):
    r[k] = o[k] / h[k] if h[k] else None
print(json.dumps(r, separators=(",", ":")))
EOF

[ "$suite" -eq 1 ] || exit 0

# hpo's samplers and Optuna's, one after the other on the same functions and seeds.
# Optuna's GPSampler needs torch and scipy, CmaEsSampler the cmaes package: the venv
# gets them (PyPI torch; OPTUNA_VENV may point at one that has them already).
hpo_samplers=${HPO_SAMPLERS:-"tpe random gp cmaes auto"}
optuna_samplers=${OPTUNA_SAMPLERS:-"tpe gp cmaes"}
if [ -z "${OPTUNA_VENV:-}" ]; then
    "$py" -m pip install -q --disable-pip-version-check torch scipy cmaes greenlet >&2
fi
files=""
for s in $hpo_samplers; do
    OPENBLAS_NUM_THREADS=1 "$HPO_BENCH" suite --sampler "$s" --function all --trials 100 \
        --seeds "$seeds" > "$tmp/s_hpo_$s"
    files="$files $tmp/s_hpo_$s"
done
for s in $optuna_samplers; do
    OMP_NUM_THREADS=1 "$py" "$here/optuna_bench.py" suite --sampler "$s" --function all \
        --trials 100 --seeds "$seeds" > "$tmp/s_optuna_$s"
    files="$files $tmp/s_optuna_$s"
done
# shellcheck disable=SC2086
cat $files
# shellcheck disable=SC2086
"$py" "$here/suite_table.py" $files
