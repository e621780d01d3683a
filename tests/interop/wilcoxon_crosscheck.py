"""Cross-check hpo's Wilcoxon, patient and threshold pruners against Optuna's.

Usage (from the repository root, after `make`):
    HPO_LIBRARY=build/release/libhpo.so.0 PYTHONPATH=python \
        /work/optvenv2/bin/python tests/interop/wilcoxon_crosscheck.py [N] [SEED]

Each random history is replayed in an Optuna 5.0 study and an hpo study the
same way (ask, report in the same order, should_prune after every report, then
tell), and every should_prune answer is compared. Histories mix ties, zeros,
exact/permutation/asymptotic sample sizes, missing steps, NaN/inf values and
both directions. Exits 1 on any mismatch.
"""
import math
import random
import sys
import warnings

import optuna

import hpo
from hpo import _pruners_more as more

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def _value(rng, base, discrete):
    if rng.random() < 0.01:
        return rng.choice([math.nan, math.inf, -math.inf])
    x = base + rng.gauss(0.0, 1.0)
    return round(x * 2) / 2 if discrete else x


def _history(rng, kind):
    """(direction, complete trials, current trial) with each trial a list of
    (step, value) in report order; complete trials also carry a value."""
    direction = rng.choice(["minimize", "maximize"])
    n_steps = rng.choice([3, 6, 10, 13, 14, 20, 40, 50, 51, 70])
    discrete = rng.random() < 0.5
    shuffle = kind == "wilcoxon" and rng.random() < 0.5
    trials = []
    for _ in range(rng.randint(0, 4)):
        base = rng.uniform(-1.0, 1.0)
        if rng.random() < 0.15:
            steps = sorted(rng.sample(range(n_steps), rng.randint(0, n_steps)))
        else:
            steps = list(range(n_steps))
        if shuffle:
            rng.shuffle(steps)
        ivs = [(s, _value(rng, base, discrete)) for s in steps]
        final = base + rng.gauss(0, 0.1)
        if rng.random() < 0.3:
            final = round(final)  # ties between trials for the best
        trials.append((ivs, final))
    base = rng.uniform(-1.0, 1.5)
    steps = list(range(n_steps))
    if shuffle:
        rng.shuffle(steps)
    current = [(s, _value(rng, base, discrete)) for s in steps]
    return direction, trials, current


def _pruners(rng, kind):
    if kind == "wilcoxon":
        kw = dict(p_threshold=rng.choice([0.0, 0.05, 0.1, 0.3, 1.0]),
                  n_startup_steps=rng.choice([0, 1, 2, 3, 5, 12]))
        return optuna.pruners.WilcoxonPruner(**kw), more.WilcoxonPruner(**kw)
    if kind == "threshold":
        lower = rng.choice([None, -1.0, 0.0])
        upper = rng.choice([None, 1.0, 2.0]) if lower is not None else 1.5
        kw = dict(lower=lower, upper=upper, n_warmup_steps=rng.randint(0, 3),
                  interval_steps=rng.randint(1, 3))
        return optuna.pruners.ThresholdPruner(**kw), more.ThresholdPruner(**kw)
    patience = rng.randint(0, 4)
    min_delta = rng.choice([0.0, 0.1, 0.5])
    if rng.random() < 0.5:
        return (optuna.pruners.PatientPruner(None, patience, min_delta),
                more.PatientPruner(None, patience, min_delta))
    return (optuna.pruners.PatientPruner(optuna.pruners.ThresholdPruner(upper=0.5), patience,
                                         min_delta),
            more.PatientPruner(more.ThresholdPruner(upper=0.5), patience, min_delta))


def _replay(study, trials, current):
    for ivs, final in trials:
        t = study.ask()
        for s, v in ivs:
            t.report(v, s)
        study.tell(t, final)
    t = study.ask()
    answers = []
    for s, v in current:
        t.report(v, s)
        answers.append(bool(t.should_prune()))
    return answers


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 12345)
    failed = 0
    for kind in ["wilcoxon", "threshold", "patient"]:
        histories = decisions = mismatches = pruned = 0
        for i in range(n):
            direction, trials, current = _history(rng, kind)
            o_pruner, h_pruner = _pruners(rng, kind)
            want = _replay(optuna.create_study(direction=direction, pruner=o_pruner), trials,
                           current)
            got = _replay(hpo.create_study(direction=direction, pruner=h_pruner), trials,
                          current)
            histories += 1
            decisions += len(want)
            pruned += sum(want)
            bad = sum(a != b for a, b in zip(want, got))
            if bad and mismatches < 5:
                print(f"{kind} history {i}: optuna {want} hpo {got}", file=sys.stderr)
            mismatches += bad
        print(f"{kind}: {histories} histories, {decisions} decisions "
              f"({pruned} prune), {mismatches} mismatches")
        failed += mismatches
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
