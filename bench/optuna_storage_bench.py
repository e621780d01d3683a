#!/usr/bin/env python3
"""optuna_storage_bench.py - the Optuna side of bench/storage_vs_optuna.sh; the same
work as `hpo-bench storage` and the same JSON lines, with "impl": "optuna-<version>".

    optuna_storage_bench.py throughput --storage URL [--procs P] [--trials N]
    optuna_storage_bench.py ask --storage URL --study NAME [--asks K] [--sampler tpe|random]

throughput: N trials of a one-float objective (RandomSampler) split over P processes
on one new study; trials/s over the wall clock, process start-up included.
ask: K ask + suggest + tell cycles on an existing study (e.g. one filled by
`hpo-bench storage --mode ask`), after a first load of its trials.
"""
import argparse
import json
import multiprocessing
import os
import statistics
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
IMPL = "optuna-" + optuna.__version__


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return x * x


def kind(url):
    return "memory" if url in (None, "", ":memory:") else url.split(":")[0].split("+")[0]


def worker(url, name, n, seed):
    study = optuna.load_study(study_name=name, storage=url,
                              sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n)


def throughput(a):
    name = f"optuna-tp-{os.getpid()}-{int(time.time() * 1000)}"
    url = None if kind(a.storage) == "memory" else a.storage
    study = optuna.create_study(study_name=name, storage=url,
                                sampler=optuna.samplers.RandomSampler(seed=1))
    t0 = time.perf_counter()
    if a.procs == 1:
        study.optimize(objective, n_trials=a.trials)
    else:
        ctx = multiprocessing.get_context("fork")
        shares = [a.trials // a.procs + (p < a.trials % a.procs) for p in range(a.procs)]
        procs = [ctx.Process(target=worker, args=(url, name, s, p + 1))
                 for p, s in enumerate(shares)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            assert p.exitcode == 0
    wall = time.perf_counter() - t0
    print(json.dumps({"bench": "storage", "mode": "throughput", "impl": IMPL,
                      "storage": kind(a.storage), "procs": a.procs, "trials": a.trials,
                      "seconds": wall, "trials_per_s": a.trials / wall}))


def ask(a):
    sampler = (optuna.samplers.TPESampler(seed=5) if a.sampler == "tpe"
               else optuna.samplers.RandomSampler(seed=5))
    study = optuna.load_study(study_name=a.study, storage=a.storage, sampler=sampler)
    history = len(study.trials)  # the first load
    costs = []
    for _ in range(a.asks):
        t0 = time.perf_counter()
        t = study.ask()
        study.tell(t, objective(t))
        costs.append(time.perf_counter() - t0)
    print(json.dumps({"bench": "storage", "mode": "ask", "impl": IMPL, "storage": kind(a.storage),
                      "study": a.study, "sampler": a.sampler, "history": history,
                      "asks": a.asks, "ask_tell_ms_median": statistics.median(costs) * 1e3,
                      "ask_tell_ms_mean": statistics.mean(costs) * 1e3}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["throughput", "ask"])
    p.add_argument("--storage", default=":memory:")
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--trials", type=int, default=1000)
    p.add_argument("--study")
    p.add_argument("--asks", type=int, default=100)
    p.add_argument("--sampler", default="tpe")
    a = p.parse_args()
    throughput(a) if a.mode == "throughput" else ask(a)


if __name__ == "__main__":
    main()
