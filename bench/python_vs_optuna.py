"""python_vs_optuna.py [--trials N] [--sampler tpe|random] - the same Python objective
tuned by hpo's Python binding and by Optuna, in memory, in one run; one JSON line each
(seconds and ms per trial, best value). Needs optuna importable and python/ on PYTHONPATH
(HPO_LIBRARY for a libhpo.so.0 outside build/release), e.g.
  PYTHONPATH=python <venv>/bin/python bench/python_vs_optuna.py --trials 1000
"""
import argparse
import json
import time

import hpo
import optuna


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-3, 10, log=True)
    k = trial.suggest_categorical("k", ["a", "b", "c"])
    return (x - 1) ** 2 + (y - 2) ** 2 + (k != "b")


def run(impl, n, sampler):
    t0 = time.perf_counter()
    if impl == "hpo":
        smp = hpo.TPESampler(seed=0) if sampler == "tpe" else hpo.RandomSampler(seed=0)
        study = hpo.create_study(sampler=smp)
    else:
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        smp = (optuna.samplers.TPESampler(seed=0) if sampler == "tpe"
               else optuna.samplers.RandomSampler(seed=0))
        study = optuna.create_study(sampler=smp)
    study.optimize(objective, n_trials=n)
    secs = time.perf_counter() - t0
    return {"bench": "python", "impl": impl, "sampler": sampler, "trials": n,
            "seconds": secs, "ms_per_trial": 1000 * secs / n, "best": study.best_value}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--sampler", default="tpe", choices=["tpe", "random"])
    a = ap.parse_args()
    for impl in ("hpo", "optuna"):
        print(json.dumps(run(impl, a.trials, a.sampler)), flush=True)


if __name__ == "__main__":
    main()
