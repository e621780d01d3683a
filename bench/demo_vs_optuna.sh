#!/bin/sh
# demo_vs_optuna.sh - `hpo demo` against the reference workflow it replaces
# (Optuna 5.0.0 + PyTorch, bench/demo_optuna_torch.py) in the same run on the
# same machine: wall time, best validation accuracy, trials pruned.
#
#   sh bench/demo_vs_optuna.sh [--trials 30] [--threads 2] [--repeat 1]
#
# Needs Debian's python3-torch (+ libopenblas0-pthread) for /usr/bin/python3;
# Optuna 5.0.0 comes from PyPI into a throw-away venv that sees the system
# packages (set OPTUNA_TORCH_VENV to reuse one). HPO: the hpo binary
# (default build/release/hpo, built if missing).
set -eu
trials=30
threads=2
repeat=1
while [ $# -gt 0 ]; do
    case $1 in
    --trials) trials=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--threads T] [--repeat R]" >&2; exit 2 ;;
    esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
hpo=${HPO:-$top/build/release/hpo}
[ -x "$hpo" ] || make -C "$top" -j2 build/release/hpo >/dev/null
venv=${OPTUNA_TORCH_VENV:-}
if [ -z "$venv" ]; then
    venv=$(mktemp -d /tmp/hpo-demo-venv.XXXXXX)
    trap 'rm -rf "$venv"' EXIT
fi
if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install -q optuna==5.0.0
fi
i=0
while [ $i -lt "$repeat" ]; do
    i=$((i + 1))
    start=$(date +%s.%N)
    out=$("$hpo" demo --storage :memory: --trials "$trials" --threads "$threads" --quiet)
    end=$(date +%s.%N)
    best=$(echo "$out" | sed -n 's/^best trial [0-9]*: validation accuracy \([0-9.]*\)$/\1/p')
    pruned=$(echo "$out" | sed -n 's/^[0-9]* trials in [0-9.]*s: \([0-9]*\) pruned.*/\1/p')
    hpo_line=$(printf '{"record":"result","bench":"demo","impl":"hpo","n_trials":%s,"wall_s":%s,"best_accuracy":%s,"n_pruned":%s,"threads":%s}' \
        "$trials" "$(awk "BEGIN{print $end - $start}")" "$best" "$pruned" "$threads")
    echo "$hpo_line"
    # OpenBLAS threads on top of torch's own oversubscribe 2 cores (4x slower measured).
    opt_line=$(OPENBLAS_NUM_THREADS=1 "$venv/bin/python" "$top/bench/demo_optuna_torch.py" --trials "$trials" --threads "$threads")
    echo "$opt_line"
    "$venv/bin/python" - "$hpo_line" "$opt_line" <<'PY'
import json, sys
h, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"record": "ratio", "bench": "demo",
                  "wall_ratio_hpo_over_optuna": h["wall_s"] / o["wall_s"],
                  "best_accuracy_hpo": h["best_accuracy"], "best_accuracy_optuna": o["best_accuracy"]}))
PY
done
