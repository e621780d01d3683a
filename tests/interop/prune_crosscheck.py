"""prune_crosscheck.py - hpo's SuccessiveHalving and Hyperband pruners against Optuna's.

Generates random pruning histories (random directions, pruner parameters, study
names, learning curves with ties, NaN, infinities, gaps, repeated and unordered
steps, several trials running at once), replays each through libhpo
(tests/interop/prune_driver.c, built here against BUILD/libhpo.a the way run.sh
builds hpo_interop) and through Optuna, and compares every should_prune answer
and every completed_rung_<k> attribute. Prints "N histories, M mismatches" and
exits non-zero on any mismatch.

Usage: PYTHON_WITH_OPTUNA tests/interop/prune_crosscheck.py [--n N] [--seed S] [--build DIR]
(e.g. /work/optvenv2/bin/python, which has optuna 5.0.0). Run from the repository root.
"""

import argparse
import json
import os
import random
import shlex
import subprocess
import sys
import warnings

import optuna
from optuna.trial import TrialState

NAME_CHARS = "abcxyz0123456789_-.éü中文"


def build_driver(build):
    subprocess.run(["make", "-s", f"BUILD={build}", f"{build}/libhpo.a"], check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(f"{build}/interop", exist_ok=True)
    out = f"{build}/interop/prune_driver"

    def pkg(args):
        r = subprocess.run(["pkg-config"] + args, capture_output=True, text=True)
        return shlex.split(r.stdout) if r.returncode == 0 else []

    blas = pkg(["--libs", "openblas"]) or ["-lopenblas"]
    cmd = (["cc", "-std=c11", "-O2", "-Iinclude", "-D_POSIX_C_SOURCE=200809L", "-o", out,
            "tests/interop/prune_driver.c", f"{build}/libhpo.a"]
           + pkg(["--libs", "jansson", "yaml-0.1", "sqlite3", "libpq"])
           + ["-llapacke"] + blas + ["-llbfgsb", "-lm", "-pthread"])
    subprocess.run(cmd, check=True)
    return out


# ---- random histories ----------------------------------------------------------------------

def gen_params(rng):
    if rng.random() < 0.5:
        min_res = rng.choice([0, 0, 1, 1, 1, 2, 3, 5])
        boot = 0 if min_res == 0 else rng.choice([0, 0, 0, 1, 2, 3])
        return ("sha", min_res, rng.choice([2, 2, 3, 4, 5]), rng.choice([0, 0, 0, 1, 2]), boot)
    min_res = rng.choice([1, 1, 1, 2, 3])
    max_res = rng.choice([0, 0, rng.randint(min_res, 150), rng.randint(min_res, 20)])
    boot = 0 if max_res == 0 else rng.choice([0, 0, 1, 2])
    return ("hb", min_res, max_res, rng.choice([2, 3, 3, 4]), boot)


def gen_value(rng, quality, step, rounding):
    r = rng.random()
    if r < 0.015:
        return float("nan")
    if r < 0.025:
        return rng.choice([float("inf"), float("-inf")])
    v = quality + rng.gauss(0, 0.3) / (1 + step) ** 0.5
    return round(v, rounding) if rounding is not None else v


def gen_steps(rng, long_run):
    length = rng.randint(1, 40)
    stride = rng.choice([1, 1, 1, 2, 3, 7]) * (rng.choice([5, 12]) if long_run else 1)
    start = rng.choice([0, 0, 1, 2])
    steps = [start + stride * k for k in range(length)]
    if rng.random() < 0.1 and len(steps) > 2:  # an out-of-order report
        i = rng.randrange(len(steps) - 1)
        steps[i], steps[i + 1] = steps[i + 1], steps[i]
    if rng.random() < 0.05:  # a repeated step: the first value wins in both
        steps.insert(rng.randrange(len(steps)), rng.choice(steps))
    return steps


def gen_trial(rng, long_run, rounding):
    quality = rng.random()
    events = [("R", s, gen_value(rng, quality, s, rounding)) for s in gen_steps(rng, long_run)]
    if rng.random() < 0.85:
        events.append(("C", None, round(quality, 3)))
    return events


def gen_history(rng):
    """Header and event list; trials run interleaved, up to `width` at a time."""
    params = gen_params(rng)
    name = "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 10)))
    direction = rng.randint(0, 1)
    long_run = rng.random() < 0.25
    rounding = rng.choice([None, 1, 2])
    plans = [gen_trial(rng, long_run, rounding) for _ in range(rng.randint(1, 25))]
    width = rng.randint(1, 4)
    events, active, nxt = [], [], 0
    while nxt < len(plans) or active:
        while len(active) < width and nxt < len(plans):
            events.append(("A",))
            active.append([nxt, 0])
            nxt += 1
        slot = rng.randrange(len(active))
        idx, pos = active[slot]
        kind, step, value = plans[idx][pos]
        events.append(("R", idx, step, value) if kind == "R" else ("C", idx, value))
        active[slot][1] += 1
        if active[slot][1] == len(plans[idx]):
            active.pop(slot)
    return (direction, name, params), events


def encode(header, events):
    direction, name, (kind, a, b, c, d) = header
    lines = [f"H {direction} {kind} {name} {a} {b} {c} {d}"]
    for ev in events:
        if ev[0] == "A":
            lines.append("A")
        elif ev[0] == "R":
            lines.append(f"R {ev[1]} {ev[2]} {ev[3]!r}")
        else:
            lines.append(f"C {ev[1]} {ev[2]!r}")
    lines.append("E")
    return "\n".join(lines) + "\n"


# ---- the Optuna side -----------------------------------------------------------------------

def optuna_pruner(params):
    kind, a, b, c, d = params
    if kind == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource="auto" if a == 0 else a, reduction_factor=b,
            min_early_stopping_rate=c, bootstrap_count=d)
    return optuna.pruners.HyperbandPruner(
        min_resource=a, max_resource="auto" if b == 0 else b, reduction_factor=c,
        bootstrap_count=d)


def run_optuna(header, events):
    direction, name, params = header
    study = optuna.create_study(
        study_name=name, direction="maximize" if direction else "minimize",
        sampler=optuna.samplers.RandomSampler(seed=0), pruner=optuna_pruner(params))
    trials, decisions = [], []
    for ev in events:
        if ev[0] == "A":
            trials.append(study.ask())
            continue
        t = trials[ev[1]]
        if t is None:
            continue
        if ev[0] == "R":
            t.report(ev[3], ev[2])
            prune = t.should_prune()
            decisions.append("1" if prune else "0")
            if prune:
                study.tell(t, state=TrialState.PRUNED)
                trials[ev[1]] = None
        else:
            study.tell(t, ev[2])
            trials[ev[1]] = None
    attrs = []
    for ft in study.get_trials(deepcopy=False):
        vals, k = [], 0
        while f"completed_rung_{k}" in ft.system_attrs:
            vals.append(json.dumps(ft.system_attrs[f"completed_rung_{k}"]))
            k += 1
        attrs.append(f"{ft.number}=" + ",".join(vals))
    return "".join(decisions) + " " + ";".join(attrs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--build", default="build/release")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)  # repeated steps, on purpose
    driver = build_driver(args.build)
    rng = random.Random(args.seed)
    histories = [gen_history(rng) for _ in range(args.n)]
    text = "".join(encode(h, e) for h, e in histories)
    got = subprocess.run([driver], input=text.encode(), capture_output=True, check=True)
    hpo_lines = got.stdout.decode().splitlines()
    if len(hpo_lines) != len(histories):
        print(f"driver printed {len(hpo_lines)} lines for {len(histories)} histories")
        return 1
    mismatches = n_checks = n_pruned = n_rungs = 0
    by_kind = {"sha": 0, "hb": 0}
    for (header, events), mine in zip(histories, hpo_lines):
        ref = run_optuna(header, events)
        dec = ref.split(" ", 1)[0]
        n_checks += len(dec)
        n_pruned += dec.count("1")
        n_rungs += sum(len([v for v in part.split("=", 1)[1].split(",") if v])
                       for part in ref.split(" ", 1)[1].split(";"))
        by_kind[header[2][0]] += 1
        if mine != ref:
            mismatches += 1
            if mismatches <= 5:
                print("MISMATCH", header)
                print("  optuna:", ref[:400])
                print("  hpo:   ", mine[:400])
    print(f"{sum(by_kind.values())} histories ({by_kind['sha']} successive halving, "
          f"{by_kind['hb']} hyperband), {n_checks} should_prune calls, {n_pruned} pruned, "
          f"{n_rungs} rung attributes")
    print(f"{len(histories)} histories, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
