#!/bin/sh
# optuna_script.sh [LIB] - Optuna's reference PyTorch script
# (examples/optuna_script/pytorch_simple.py: SQLite storage, median pruning,
# report/should_prune/TrialPruned, best_params, plot_optimization_history,
# plot_param_importances, get_param_importances, trials_dataframe) run on hpo with
# only `import optuna` changed to `import hpo as optuna`, on Debian's python3-torch
# and python3-pandas: 3 trials x 1 epoch on 5 % of Fashion-MNIST.
# Prints "optuna script: ok" or fails.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=${1:-$top/build/release/libhpo.so.0}
tmp=$(mktemp -d /tmp/hpo-optuna-script.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed 's/^import optuna$/import hpo as optuna/' "$top/examples/optuna_script/pytorch_simple.py" \
    > "$tmp/script.py"
# the one changed line, and nothing else
[ "$(diff "$top/examples/optuna_script/pytorch_simple.py" "$tmp/script.py" | grep -c '^[<>]')" = 2 ]
HPO_LIBRARY="$lib" PYTHONPATH="$top/python" /usr/bin/python3 "$tmp/script.py" \
    --trials 3 --epochs 1 --fraction 0.05 --out "$tmp" > "$tmp/out.txt" 2> "$tmp/err.txt" || {
    cat "$tmp/out.txt" "$tmp/err.txt" >&2
    echo "optuna script: failed" >&2
    exit 1
}
for f in history.html importances.html trials.csv pytorch_simple.db; do
    [ -s "$tmp/$f" ] || { echo "optuna script: $f missing" >&2; exit 1; }
done
grep -q "Number of finished trials:  3" "$tmp/out.txt" || { cat "$tmp/out.txt"; exit 1; }
grep -q "<svg" "$tmp/history.html" || { echo "optuna script: no SVG in history.html" >&2; exit 1; }
[ "$(wc -l < "$tmp/trials.csv")" -eq 4 ] || { echo "optuna script: trials.csv" >&2; exit 1; }
echo "optuna script: ok"
