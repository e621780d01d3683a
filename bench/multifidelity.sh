#!/bin/sh
# multifidelity.sh - issue 11's measurement: the native MLP workload (Fashion-MNIST,
# 20 % of the training set, at most 10 epochs, 2 threads) under a fixed wall-clock
# budget per study, 5 seeds, for hpo tpe+median, tpe+hyperband, auto+hyperband and
# Optuna 5.0 TPESampler+HyperbandPruner with PyTorch, in one run. Each study goes to
# a SQLite file (Optuna's schema for both); bench/multifidelity_table.py then reports
# the time until validation accuracy first reached the target and the best accuracy.
#
#   sh bench/multifidelity.sh [--budget 120] [--seeds "0 1 2 3 4"] [--target 0.86]
#
# Needs Debian's python3-torch for /usr/bin/python3; Optuna 5.0.0 from PyPI goes into
# a venv that sees the system packages (OPTUNA_TORCH_VENV reuses one).
set -eu
budget=120
seeds="0 1 2 3 4"
target=0.86
while [ $# -gt 0 ]; do
    case $1 in
    --budget) budget=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    *) echo "usage: $0 [--budget S] [--seeds LIST] [--target ACC]" >&2; exit 2 ;;
    esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
hpo=${HPO:-$top/build/release/hpo}
[ -x "$hpo" ] || make -C "$top" -j2 build/release/hpo >/dev/null
work=$(mktemp -d /tmp/hpo-mf.XXXXXX)
venv=${OPTUNA_TORCH_VENV:-$work/venv}
if [ ! -x "$venv/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install -q optuna==5.0.0
fi
common="--subsample 0.2 --epochs 10 --threads 2 --trials 100000 --timeout $budget --quiet"
for seed in $seeds; do
    for cfg in tpe+median tpe+hyperband auto+hyperband; do
        sampler=${cfg%+*}
        pruner=${cfg#*+}
        "$hpo" demo --storage "sqlite:///$work/hpo-$cfg-$seed.db" --seed "$seed" \
            --sampler "$sampler" --pruner "$pruner" $common >/dev/null
    done
    "$venv/bin/python" "$top/bench/demo_optuna_torch.py" --subsample 0.2 --epochs 10 \
        --threads 2 --trials 100000 --timeout "$budget" --pruner hyperband --seed "$seed" \
        --storage "sqlite:///$work/optuna-tpe+hyperband-$seed.db" >/dev/null
done
python3 "$top/bench/multifidelity_table.py" --target "$target" --budget "$budget" "$work"/*.db
