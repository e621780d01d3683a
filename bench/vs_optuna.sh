#!/bin/sh
# vs_optuna.sh - hpo against Optuna on the same work, in the same run.
#
#   bench/vs_optuna.sh [--trials N] [--seed K] [--suite] [--seeds S]
#
# Builds build/hpo-bench (make bench), installs Optuna into a throw-away venv
# (5.0.0, or the newest 5.x that PyPI has; OPTUNA_VERSION overrides), runs the
# overhead objective under hpo's TPE and Optuna's TPESampler(seed=K), and prints
# both result lines and {"record":"ratio",...} (Optuna time / hpo time, so > 1
# means hpo is faster). With --suite it also runs the quality suite (hpo tpe,
# hpo random, Optuna tpe; 100 trials, seeds 0..S-1) and prints every result line,
# a summary line per function, and a table of median final regret.
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

"$HPO_BENCH" suite --sampler tpe --function all --trials 100 --seeds "$seeds" > "$tmp/s_hpo_tpe"
"$HPO_BENCH" suite --sampler random --function all --trials 100 --seeds "$seeds" \
    > "$tmp/s_hpo_random"
"$py" "$here/optuna_bench.py" suite --sampler tpe --function all --trials 100 --seeds "$seeds" \
    > "$tmp/s_optuna_tpe"
cat "$tmp/s_hpo_tpe" "$tmp/s_hpo_random" "$tmp/s_optuna_tpe"
"$py" - "$tmp/s_hpo_tpe" "$tmp/s_hpo_random" "$tmp/s_optuna_tpe" <<'EOF'
import json, statistics, sys
cols = ["hpo tpe", "hpo random", "optuna tpe"]
regrets = {}  # function -> column -> [final regret per seed]
order = []
for col, path in zip(cols, sys.argv[1:]):
    for line in open(path):
        rec = json.loads(line)
        fn = rec["function"]
        if fn not in regrets:
            regrets[fn] = {c: [] for c in cols}
            order.append(fn)
        regrets[fn][col].append(rec["final_regret"])

def ratio(a, b):
    if a is None or b is None:
        return None
    if b == 0:
        return 1.0 if a == 0 else float("inf")
    return a / b

rows = []
for fn in order:
    med = {c: (statistics.median(v) if v and None not in v else None)
           for c, v in regrets[fn].items()}
    r1 = ratio(med["hpo tpe"], med["optuna tpe"])
    r2 = ratio(med["hpo tpe"], med["hpo random"])
    summary = {"record": "summary", "bench": "quality", "function": fn,
               "n_seeds": len(regrets[fn]["hpo tpe"]), "median_final_regret": med,
               "hpo_tpe_over_optuna_tpe": r1 if r1 != float("inf") else None,
               "hpo_tpe_over_hpo_random": r2 if r2 != float("inf") else None}
    print(json.dumps(summary, separators=(",", ":")))
    rows.append((fn, med, r1, r2))

def f(x):
    return "n/a" if x is None else f"{x:.4g}"

print()
print(f"{'median final regret':<20}{'hpo tpe':>12}{'hpo random':>12}{'optuna tpe':>12}"
      f"{'tpe/optuna':>12}{'tpe/random':>12}")
for fn, med, r1, r2 in rows:
    print(f"{fn:<20}{f(med['hpo tpe']):>12}{f(med['hpo random']):>12}"
          f"{f(med['optuna tpe']):>12}{f(r1):>12}{f(r2):>12}")
EOF
