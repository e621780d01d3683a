#!/usr/bin/env python3
"""suite_table.py - summarise quality-suite result lines (hpo-bench suite,
optuna_bench.py suite) given as files: per function the median final regret and
median wall seconds per study of every (implementation, sampler), the best Optuna
sampler, and each hpo sampler's regret and time against it. Prints one JSON
summary line per function, then a table."""
import json
import statistics
import sys


def load(paths):
    runs = {}  # (function, column) -> list of records
    order, cols = [], []
    for path in paths:
        for line in open(path):
            rec = json.loads(line)
            if rec.get("bench") != "quality":
                continue
            col = ("optuna " if rec["impl"].startswith("optuna") else "hpo ") + rec["sampler"]
            if rec["function"] not in order:
                order.append(rec["function"])
            if col not in cols:
                cols.append(col)
            runs.setdefault((rec["function"], col), []).append(rec)
    return runs, order, cols


def med(recs, key):
    vals = [r[key] for r in recs if r[key] is not None]
    return statistics.median(vals) if vals else None


def main(paths):
    runs, order, cols = load(paths)
    table = []
    for fn in order:
        regret = {c: med(runs.get((fn, c), []), "final_regret") for c in cols}
        wall = {c: med(runs.get((fn, c), []), "wall_s") for c in cols}
        optuna = [c for c in cols if c.startswith("optuna") and regret[c] is not None]
        best = min(optuna, key=lambda c: regret[c]) if optuna else None
        summary = {"record": "summary", "bench": "quality", "function": fn,
                   "median_final_regret": regret, "median_wall_s": wall,
                   "best_optuna": best}
        if best is not None:
            for c in cols:
                if c.startswith("hpo") and regret[c] is not None:
                    summary[f"{c} <= best optuna"] = regret[c] <= regret[best]
        print(json.dumps(summary, separators=(",", ":")))
        table.append((fn, regret, wall, best))
    width = max(12, *(len(c) + 2 for c in cols))
    print()
    print(f"{'median final regret':<20}" + "".join(f"{c:>{width}}" for c in cols) +
          f"{'best optuna':>{width}}")
    for fn, regret, _, best in table:
        cells = "".join(f"{'n/a' if regret[c] is None else format(regret[c], '.3g'):>{width}}"
                        for c in cols)
        print(f"{fn:<20}{cells}{best or 'n/a':>{width}}")
    print()
    print(f"{'median s per study':<20}" + "".join(f"{c:>{width}}" for c in cols))
    for fn, _, wall, _ in table:
        cells = "".join(f"{'n/a' if wall[c] is None else format(wall[c], '.3g'):>{width}}"
                        for c in cols)
        print(f"{fn:<20}{cells}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: suite_table.py RESULT_FILE...")
    main(sys.argv[1:])
