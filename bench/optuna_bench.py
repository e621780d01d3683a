#!/usr/bin/env python3
"""optuna_bench.py - the Optuna side of bench/vs_optuna.sh.

Runs the same objectives as hpo-bench (shared/reference/bench-functions.md:
same parameter names, suggest order, bounds and scales) under Optuna and prints
the same JSON result lines, with "impl": "optuna-<version>".

    optuna_bench.py overhead --sampler tpe --trials N [--seed K] [--storage URL]
    optuna_bench.py suite --sampler tpe --function F|all [--trials 100] [--seeds 10]
"""
import argparse
import json
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
IMPL = "optuna-" + optuna.__version__


def overhead_objective(trial):
    x0 = trial.suggest_float("x0", -5, 5)
    x1 = trial.suggest_float("x1", -5, 5)
    x2 = trial.suggest_float("x2", 0, 1)
    x3 = trial.suggest_float("x3", -1, 1)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    wd = trial.suggest_float("wd", 1e-6, 1e-2, log=True)
    n1 = trial.suggest_int("n1", 1, 8)
    n2 = trial.suggest_int("n2", 16, 256)
    c1 = trial.suggest_categorical("c1", ["a", "b", "c"])
    c2 = trial.suggest_categorical("c2", ["relu", "tanh", "gelu", "sigmoid"])
    off1 = {"a": 0.0, "b": 0.7, "c": 1.5}[c1]
    off2 = {"relu": 0.0, "tanh": 0.3, "gelu": 0.1, "sigmoid": 1.0}[c2]
    return ((x0 - 1) ** 2 + (x1 + 0.5) ** 2 + (x2 - 0.3) ** 2 + x3 ** 2
            + (math.log10(lr) + 3) ** 2 + 0.5 * (math.log10(wd) + 4) ** 2
            + 0.1 * (n1 - 3) ** 2 + ((n2 - 128) / 64) ** 2 + off1 + off2)


def _vector(trial, d, lo, hi):
    return [trial.suggest_float(f"x{i}", lo, hi) for i in range(d)]


def branin(trial):
    x0 = trial.suggest_float("x0", -5, 10)
    x1 = trial.suggest_float("x1", 0, 15)
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x1 - b * x0 ** 2 + c * x0 - r) ** 2 + s * (1 - t) * math.cos(x0) + s


H_ALPHA = [1.0, 1.2, 3.0, 3.2]
H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
       [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(trial):
    x = _vector(trial, 6, 0, 1)
    total = 0.0
    for i in range(4):
        inner = sum(H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += H_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock10(trial):
    x = _vector(trial, 10, -5, 10)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(9))


def ackley10(trial):
    x = _vector(trial, 10, -32.768, 32.768)
    d = 10
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20 + math.e


def styblinski_tang10(trial):
    x = _vector(trial, 10, -5, 5)
    return 0.5 * sum(v ** 4 - 16 * v * v + 5 * v for v in x)


def rastrigin6(trial):
    x = _vector(trial, 6, -5.12, 5.12)
    return 10 * 6 + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def mixed(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    n = trial.suggest_int("n", 0, 20)
    k = trial.suggest_int("k", 1, 8)
    c1 = trial.suggest_categorical("c1", ["a", "b", "c", "d"])
    c2 = trial.suggest_categorical("c2", ["relu", "tanh", "gelu"])
    off1 = {"a": 3.0, "b": 0.0, "c": 1.5, "d": 5.0}[c1]
    off2 = {"relu": 0.5, "tanh": 1.0, "gelu": 0.0}[c2]
    return (x - 1.5) ** 2 + (y + 2) ** 2 + 0.1 * (n - 7) ** 2 + 0.5 * abs(k - 3) + off1 + off2


def logscale(trial):
    lr = trial.suggest_float("lr", 1e-6, 1, log=True)
    wd = trial.suggest_float("wd", 1e-7, 1e-1, log=True)
    momentum = trial.suggest_float("momentum", 0, 0.99)
    batch = trial.suggest_int("batch", 16, 1024, log=True)
    return ((math.log10(lr) + 3) ** 2 + 0.5 * (math.log10(wd) + 4.5) ** 2
            + 2 * (momentum - 0.9) ** 2 + 0.25 * (math.log2(batch) - 7) ** 2)


FUNCTIONS = [
    ("branin", branin, 0.39788735772973816),
    ("hartmann6", hartmann6, -3.322368011391339),
    ("rosenbrock10", rosenbrock10, 0.0),
    ("ackley10", ackley10, 0.0),
    ("styblinski_tang10", styblinski_tang10, 10 * -39.16616570377142),
    ("rastrigin6", rastrigin6, 0.0),
    ("mixed", mixed, 0.0),
    ("logscale", logscale, 0.0),
]


def make_sampler(name, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe_indep":
        return optuna.samplers.TPESampler(seed=seed, multivariate=False)
    if name == "tpe_mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "gp":  # needs torch and scipy
        return optuna.samplers.GPSampler(seed=seed)
    if name == "cmaes":  # needs the cmaes package
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "qmc":
        return optuna.samplers.QMCSampler(seed=seed, scramble=True)
    sys.exit(f"optuna_bench.py: unknown sampler {name!r}")


def num(x):
    return x if math.isfinite(x) else None


def emit(record):
    print(json.dumps(record, separators=(",", ":")), flush=True)


def cmd_overhead(args):
    stamps = []
    study = optuna.create_study(sampler=make_sampler(args.sampler, args.seed),
                                storage=args.storage)
    t0 = time.perf_counter()
    study.optimize(overhead_objective, n_trials=args.trials,
                   callbacks=[lambda s, t: stamps.append(time.perf_counter())])
    t1 = time.perf_counter()
    gaps = [stamps[i] - (t0 if i == 0 else stamps[i - 1]) for i in range(len(stamps))]
    tail = gaps[len(gaps) - (len(gaps) + 9) // 10:]
    storage = "memory" if not args.storage else args.storage.split(":", 1)[0]
    emit({"record": "result", "bench": "overhead", "impl": IMPL, "sampler": args.sampler,
          "n_trials": len(stamps), "storage": storage, "seed": args.seed,
          "tail_mean_s": sum(tail) / len(tail), "tail_p50_s": statistics.median(tail),
          "total_s": t1 - t0})


def suite_one(name, fn, optimum, args, seed):
    marks = [args.trials // 4, args.trials // 2, args.trials]
    state = {"best": math.nan, "finished": 0, "at": {}}

    def callback(study, trial):
        if trial.state == optuna.trial.TrialState.COMPLETE:
            v = trial.value
            if math.isnan(state["best"]) or v < state["best"]:
                state["best"] = v
        state["finished"] += 1
        if state["finished"] in marks:
            state["at"][state["finished"]] = state["best"]

    study = optuna.create_study(sampler=make_sampler(args.sampler, seed))
    t0 = time.perf_counter()
    study.optimize(fn, n_trials=args.trials, callbacks=[callback])
    wall = time.perf_counter() - t0
    best_at = {str(m): num(state["at"].get(m, math.nan)) for m in marks}
    regret_at = {str(m): num(state["at"].get(m, math.nan) - optimum) for m in marks}
    emit({"record": "result", "bench": "quality", "impl": IMPL, "function": name,
          "sampler": args.sampler, "seed": seed, "n_trials": args.trials, "optimum": optimum,
          "best_at": best_at, "regret_at": regret_at,
          "final_regret": regret_at[str(args.trials)], "wall_s": wall})


def cmd_suite(args):
    chosen = [f for f in FUNCTIONS if args.function in ("all", f[0])]
    if not chosen:
        sys.exit(f"optuna_bench.py: unknown function {args.function!r}")
    for name, fn, optimum in chosen:
        for seed in range(args.seeds):
            suite_one(name, fn, optimum, args, seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("overhead")
    p.add_argument("--sampler", default="tpe")
    p.add_argument("--trials", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--storage", default=None)
    p.set_defaults(run=cmd_overhead)
    p = sub.add_parser("suite")
    p.add_argument("--sampler", default="tpe")
    p.add_argument("--function", default="all")
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--seeds", type=int, default=10)
    p.set_defaults(run=cmd_suite)
    args = parser.parse_args()
    if args.trials < 1:
        parser.error("--trials must be >= 1")
    args.run(args)


if __name__ == "__main__":
    main()
