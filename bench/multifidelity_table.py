#!/usr/bin/env python3
"""multifidelity_table.py --target ACC --budget S DB... - per study file (named
IMPL-CONFIG-SEED.db, Optuna's schema) the seconds from the first trial's start until
a trial first reported validation accuracy >= ACC (at the end of that trial), and the
best accuracy reported within the budget; one JSON line per study, then the median per
IMPL-CONFIG."""
import argparse
import json
import os
import sqlite3
import statistics
from datetime import datetime


def ts(text):
    return datetime.fromisoformat(text).timestamp() if text else None


def study_figures(path, target, budget):
    db = sqlite3.connect(path)
    trials = db.execute("SELECT trial_id, datetime_start, datetime_complete FROM trials").fetchall()
    t0 = min(ts(s) for _, s, _ in trials if s)
    reach, best, n = None, 0.0, 0
    for tid, start, done in trials:
        if done is None:
            continue
        n += 1
        vals = [v for (v,) in db.execute(
            "SELECT intermediate_value FROM trial_intermediate_values WHERE trial_id = ?",
            (tid,)) if v is not None]
        vals += [v for (v,) in db.execute(
            "SELECT value FROM trial_values WHERE trial_id = ?", (tid,)) if v is not None]
        at = ts(done) - t0
        if not vals or at > budget * 1.05:  # a trial running past the budget does not count
            continue
        top = max(vals)
        best = max(best, top)
        if top >= target and (reach is None or at < reach):
            reach = at
    return {"time_to_target_s": reach, "best_accuracy": best, "n_trials": n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=float, default=0.86)
    ap.add_argument("--budget", type=float, default=120)
    ap.add_argument("dbs", nargs="+")
    a = ap.parse_args()
    groups = {}
    for path in sorted(a.dbs):
        impl, cfg, seed = os.path.basename(path)[:-3].split("-")
        row = {"record": "result", "bench": "multifidelity", "impl": impl, "config": cfg,
               "seed": int(seed), "target": a.target, **study_figures(path, a.target, a.budget)}
        print(json.dumps(row))
        groups.setdefault(f"{impl} {cfg}", []).append(row)
    for key, rows in groups.items():
        times = [r["time_to_target_s"] for r in rows]
        reached = [t for t in times if t is not None]
        # seeds that never reached the target count as the whole budget
        med = statistics.median([t if t is not None else float("inf") for t in times])
        print(json.dumps({"record": "summary", "bench": "multifidelity", "group": key,
                          "seeds": len(rows), "reached": len(reached),
                          "median_time_to_target_s": None if med == float("inf") else med,
                          "median_best_accuracy": statistics.median(
                              r["best_accuracy"] for r in rows)}))


if __name__ == "__main__":
    main()
