#!/bin/sh
# demo_samplers.sh [HPO] [SEEDS] [SAMPLERS] - the seed workflow (hpo demo: 30 trials of
# the MLP on Fashion-MNIST) per sampler and seed; one JSON line per run, then the
# median best validation accuracy per sampler.
#   sh bench/demo_samplers.sh build/release/hpo "0 1 2 3 4" "auto tpe"
hpo=${1:-build/release/hpo}
seeds=${2:-0 1 2 3 4}
samplers=${3:-auto tpe}
out=$(mktemp)
for s in $samplers; do
    for seed in $seeds; do
        txt=$("$hpo" demo --storage :memory: --seed "$seed" --quiet --sampler "$s" 2>&1)
        acc=$(echo "$txt" | sed -n 's/.*validation accuracy \([0-9.]*\).*/\1/p' | head -1)
        secs=$(echo "$txt" | sed -n 's/.* trials in \([0-9.]*\)s.*/\1/p' | head -1)
        echo "{\"bench\": \"demo\", \"sampler\": \"$s\", \"seed\": $seed, \"best_accuracy\": ${acc:-null}, \"seconds\": ${secs:-null}}" | tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for s in dict.fromkeys(r["sampler"] for r in rows):
    accs = [r["best_accuracy"] for r in rows if r["sampler"] == s and r["best_accuracy"]]
    print(json.dumps({"bench": "demo_summary", "sampler": s, "runs": len(accs),
                      "median_best_accuracy": statistics.median(accs) if accs else None,
                      "mean_best_accuracy": round(statistics.mean(accs), 4) if accs else None}))
PY
rm -f "$out"
