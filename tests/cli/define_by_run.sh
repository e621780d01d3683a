#!/bin/sh
# define_by_run.sh - a child of `hpo run` that defines its own parameters with
# `hpo trial` (tests/test_runner.c puts hpo on PATH). Its accuracy peaks at
# lr = 1e-3; a "bad" trial reports poorly and stops when told to prune (exit 3).
set -e
lr=$(hpo trial suggest-float lr 1e-5 1e-1 --log)
opt=$(hpo trial suggest-categorical opt Adam SGD "with space")
units=$(hpo trial suggest-int units 32 256 --step 32)
hpo trial set-attr note "opt=$opt"
for step in 0 1 2; do
    acc=$(awk -v l="$lr" -v s="$step" 'BEGIN { d = log(l) / log(10) + 3; print 1 - d * d / 10 + s / 100 }')
    hpo trial report "$acc" --step "$step" || exit $?
done
echo "accuracy=$acc units=$units"
