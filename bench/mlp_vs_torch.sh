#!/bin/sh
# mlp_vs_torch.sh - the native MLP trainer against PyTorch CPU on the same
# networks and data, in the same run.
#
#   bench/mlp_vs_torch.sh [--threads 2] [--epochs 5] [--repeat 1] [--data DIR]
#
# Runs `hpo-bench mlp` and bench/mlp_torch.py (Debian python3-torch through
# /usr/bin/python3) for 784-256-256-10 Adam and 784-128-10 SGD, batch 64, on the
# full training set, and prints every result line and then, per network,
# {"record":"mlp_ratio",...}: hpo seconds per epoch / PyTorch seconds per epoch
# (< 1 means hpo is faster) and the test-accuracy difference in points.
# --repeat R runs the whole sequence R times (seeds 0..R-1), alternating the
# tools; the ratio uses each tool's fastest run, ratio_min the fastest single
# epochs (the least noisy figure on a shared machine), and the accuracies are
# means over the runs.
#
# PyTorch runs with torch.set_num_threads(THREADS) and OPENBLAS_NUM_THREADS=1:
# Debian's torch calls OpenBLAS from inside its OpenMP threads, and letting
# OpenBLAS start its own threads as well oversubscribes the cores (measured on a
# 2-core machine: 8.6 s per epoch instead of 1.9 s). TORCH_OPENBLAS_THREADS
# overrides. It also runs PyTorch with one thread, and the ratio uses whichever
# PyTorch time is lower, so hpo is compared with PyTorch's best.
#
# Environment: HPO_BENCH=PATH uses that binary instead of building build/hpo-bench.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
threads=2
epochs=5
repeat=1
data=/usr/share/datasets/fashion-mnist

while [ $# -gt 0 ]; do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "mlp_vs_torch.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

if [ -z "${HPO_BENCH:-}" ]; then
    make -C "$root" -s bench >&2
    HPO_BENCH=$root/build/hpo-bench
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "mlp_vs_torch.sh: PyTorch is missing: apt-get install -y python3-torch libopenblas0-pthread" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

: > "$tmp/hpo.jsonl"
: > "$tmp/torch.jsonl"
i=0
while [ "$i" -lt "$repeat" ]; do
    "$HPO_BENCH" mlp --threads "$threads" --epochs "$epochs" --data "$data" --seed "$i" |
        tee -a "$tmp/hpo.jsonl"
    OPENBLAS_NUM_THREADS=${TORCH_OPENBLAS_THREADS:-1} /usr/bin/python3 "$here/mlp_torch.py" \
        --threads "$threads" --epochs "$epochs" --data "$data" --seed "$i" | tee -a "$tmp/torch.jsonl"
    if [ "$threads" -ne 1 ]; then
        OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/mlp_torch.py" \
            --threads 1 --epochs "$epochs" --data "$data" --seed "$i" | tee -a "$tmp/torch.jsonl"
    fi
    i=$((i + 1))
done

/usr/bin/python3 - "$tmp/hpo.jsonl" "$tmp/torch.jsonl" <<'EOF'
import json, sys
hpo = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
torch = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
def mean(xs):
    return sum(xs) / len(xs)
nets = []
for h in hpo:
    if h["net"] not in nets:
        nets.append(h["net"])
for net in nets:
    hs = [h for h in hpo if h["net"] == net]
    ts = [t for t in torch if t["net"] == net]
    if not ts:
        continue
    h = min(hs, key=lambda r: r["sec_per_epoch"])
    t = min(ts, key=lambda r: r["sec_per_epoch"])
    same = [r for r in ts if r["threads"] == h["threads"]]
    h_min = min(min(r["epoch_secs"]) for r in hs)
    t_min = min(min(r["epoch_secs"]) for r in ts)
    h_acc = mean([r["test_accuracy"] for r in hs])
    t_acc = mean([r["test_accuracy"] for r in same or ts])
    out = {
        "record": "mlp_ratio", "net": net, "optimizer": h["optimizer"], "threads": h["threads"],
        "runs": len(hs), "hpo_sec_per_epoch": h["sec_per_epoch"],
        "torch_sec_per_epoch": t["sec_per_epoch"], "torch_threads": t["threads"],
        "ratio": h["sec_per_epoch"] / t["sec_per_epoch"],
        "ratio_min": h_min / t_min,
        "hpo_test_accuracy": h_acc, "torch_test_accuracy": t_acc,
        "accuracy_diff_points": 100 * (h_acc - t_acc),
    }
    if same:
        out["ratio_same_threads"] = h["sec_per_epoch"] / min(r["sec_per_epoch"] for r in same)
    print(json.dumps(out))
EOF
