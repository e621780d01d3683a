#!/bin/sh
# pytorch.sh HPO - the PyTorch example tuned by `hpo run` in its tiny CI form
# (3 trials, 2 epochs on 5 % of Fashion-MNIST, median pruning) with Debian's
# python3-torch; checks that every trial finished with a recorded accuracy or was
# pruned. Prints "pytorch example: ok" or fails.
set -eu
hpo=${1:-build/release/hpo}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/hpo-pytorch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import torch' || { echo "pytorch example: python3-torch missing" >&2; exit 1; }
"$hpo" run --storage "sqlite:///$tmp/ci.db" --study ci --direction maximize \
    --metric accuracy --trials 3 --pruner median:startup=1 --seed 1 -q \
    --space "$top/examples/pytorch/space.yaml" \
    -- /usr/bin/python3 "$top/examples/pytorch/train.py" --lr {lr} \
       --optimizer {optimizer} --layers {layers} --units {units} \
       --dropout {dropout} --epochs 2 --subsample 0.05 --threads 1
out=$("$hpo" trials --storage "sqlite:///$tmp/ci.db" --study ci --format csv)
echo "$out"
n=$(echo "$out" | grep -cE ',(COMPLETE|PRUNED)' || true)
if [ "$n" -ne 3 ]; then
    echo "pytorch example: expected 3 COMPLETE/PRUNED trials, got $n" >&2
    exit 1
fi
echo "pytorch example: ok"
