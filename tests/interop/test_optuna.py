"""test_optuna.py - Optuna 5.0.0 and optuna-dashboard 0.21.0 against hpo on the
same databases (SQLite, and PostgreSQL when HPO_TEST_PG_URL is set):
  1. Optuna creates and runs a study (every distribution kind, intermediate
     values incl. NaN/inf, attributes, inf values, FAIL and PRUNED trials); hpo
     reads every field back equal and runs more trials; Optuna reloads it and
     sees hpo's trials with identical params, values and states, then goes on.
  2. hpo creates and runs a study; Optuna loads it (trials, best_trial) and the
     dashboard's JSON API lists the study and its trials.
  3. PED-ANOVA importances from hpo equal Optuna's (one objective, and a
     two-objective study's Pareto ranks).
  4. A v3.0.0.d (Optuna 3.0/3.1) database: hpo reads and writes it without
     restamping; Optuna 5 refuses it until hpo's storage upgrade.
Run by tests/interop/run.sh, which sets HPO_INTEROP to the hpo_interop binary.
"""
import io
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import wsgiref.util

import optuna
from optuna.distributions import distribution_to_json
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)
TOOL = os.environ["HPO_INTEROP"]
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def hpo(*args):
    r = subprocess.run([TOOL, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"hpo_interop {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def hpo_dump(url, name):
    return [json.loads(line) for line in hpo("dump", url, name).splitlines()]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def objective(trial):
    k = trial.number % 5
    x = trial.suggest_float("x", -10, 10)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("q", 0, 0.9, step=0.3)
    n = trial.suggest_int("n", 1, 10, step=3)
    trial.suggest_int("m", 1, 100, log=True)
    trial.suggest_int("u", -3, 3)
    trial.suggest_categorical("c", ["a", None, 1, 2.5, True])
    for step in range(3):
        trial.report(x * x / (step + 1), step)
    if k == 4:
        trial.report(float("nan"), 3)
        trial.report(float("-inf"), 4)
    trial.set_user_attr("note", {"k": [1, 2.5, "s", None]})
    if k == 1:
        raise ValueError("planned failure")
    if k == 2:
        raise optuna.TrialPruned()
    if k == 3:
        return float("inf")
    return x * x + n


def compare(label, trials, dump):
    check(len(trials) == len(dump), f"{label}: {len(trials)} trials in Optuna, {len(dump)} in hpo")
    for t, d in zip(sorted(trials, key=lambda t: t.number), dump):
        tag = f"{label} trial {t.number}"
        check(t.number == d["number"], f"{tag}: number {d['number']}")
        check(t.state.name == d["state"], f"{tag}: state {t.state.name} vs {d['state']}")
        values = t.values or []
        check(len(values) == len(d["values"]) and all(same(float(a), b) for a, b in
              zip(values, d["values"])), f"{tag}: values {values} vs {d['values']}")
        check(list(t.params) == list(d["params"]),
              f"{tag}: params {list(t.params)} vs {list(d['params'])}")
        for name, dist in t.distributions.items():
            p = d["params"].get(name)
            if p is None:
                continue
            # Compare external values: Python's True == 1 makes to_internal_repr ambiguous.
            ext = dist.to_external_repr(p["internal"])
            check(ext == t.params[name] and type(ext) is type(t.params[name]),
                  f"{tag}: {name} = {t.params[name]!r} in Optuna, {ext!r} in hpo")
            check(distribution_to_json(dist) == p["distribution"],
                  f"{tag}: {name} distribution {distribution_to_json(dist)} vs {p['distribution']}")
        iv = {str(k): v for k, v in t.intermediate_values.items()}
        check(list(iv) == list(d["intermediate"]) and all(same(iv[k], d["intermediate"][k])
              for k in iv), f"{tag}: intermediate {iv} vs {d['intermediate']}")
        if t.datetime_start is not None:
            check(abs(t.datetime_start.timestamp() - d["datetime_start"]) < 1e-3,
                  f"{tag}: datetime_start {t.datetime_start} vs {d['datetime_start']}")
        if t.datetime_complete is not None:
            check(abs(t.datetime_complete.timestamp() - d["datetime_complete"]) < 1e-3,
                  f"{tag}: datetime_complete {t.datetime_complete} vs {d['datetime_complete']}")


def optuna_then_hpo(url):
    name = "from-optuna"
    study = optuna.create_study(study_name=name, storage=url,
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.set_user_attr("owner", "optuna")
    study.optimize(objective, n_trials=10, catch=(ValueError,))
    compare(f"{url} optuna->hpo", study.trials, hpo_dump(url, name))
    hpo("run", url, name, "10")
    again = optuna.load_study(study_name=name, storage=url)
    trials = again.trials
    check(len(trials) == 20, f"{url}: Optuna sees {len(trials)} trials after hpo ran 10 more")
    states = {t.state for t in trials[10:]}
    check({TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED} <= states,
          f"{url}: hpo's trials have states {states}")
    check(any(t.value == float("inf") for t in trials[10:] if t.state == TrialState.COMPLETE),
          f"{url}: Optuna reads hpo's inf value")
    check(all(t.user_attrs.get("note") == {"k": [1, 2.5, "s", None]} for t in trials[10:]),
          f"{url}: Optuna reads hpo's user attributes")
    compare(f"{url} hpo->optuna", trials, hpo_dump(url, name))
    again.optimize(objective, n_trials=3, catch=(ValueError,))
    numbers = [t.number for t in optuna.load_study(study_name=name, storage=url).trials]
    check(numbers == list(range(23)), f"{url}: numbers {numbers}")


def dashboard_get(app, path, query=""):
    env = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET",
           "wsgi.input": io.BytesIO()}
    wsgiref.util.setup_testing_defaults(env)
    status = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    return status[0], json.loads(body)


def hpo_then_optuna(url):
    import optuna_dashboard
    name = "from-hpo"
    hpo("run", url, name, "10")
    study = optuna.load_study(study_name=name, storage=url)
    compare(f"{url} hpo-created", study.trials, hpo_dump(url, name))
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    check(study.best_trial.value == min(t.value for t in complete),
          f"{url}: best_trial {study.best_trial.value}")
    app = optuna_dashboard.wsgi(url)
    status, body = dashboard_get(app, "/api/studies")
    names = {s["study_name"]: s["study_id"] for s in body.get("study_summaries", [])}
    check(status.startswith("200") and name in names, f"{url}: dashboard lists {names}")
    if name in names:
        status, body = dashboard_get(app, f"/api/studies/{names[name]}", "after=0")
        check(status.startswith("200") and len(body.get("trials", [])) == 10,
              f"{url}: dashboard study detail {status} with {len(body.get('trials', []))} trials")


def importance_agrees(url):
    """PED-ANOVA (Optuna 5.0's default evaluator): hpo's importances equal Optuna's,
    on one objective and on a two-objective study's Pareto ranks."""
    name = "interop-importance"
    study = optuna.create_study(study_name=name, storage=url, directions=["minimize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=3))

    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 1e-3, 1, log=True)
        k = trial.suggest_int("k", 0, 8, step=2)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return x + 0.1 * k + (c == "b"), y * y

    study.optimize(two, n_trials=150)
    cli = os.path.join(os.path.dirname(TOOL), "..", "hpo")
    evaluator = optuna.importance.PedAnovaImportanceEvaluator()
    for objective, target in (("all", None), ("0", lambda t: t.values[0]), ("1", lambda t: t.values[1])):
        r = subprocess.run([cli, "importance", "--storage", url, "--study", name, "--objective",
                            objective, "--format", "json"], capture_output=True, text=True)
        check(r.returncode == 0, f"{url}: hpo importance --objective {objective}: {r.stderr}")
        got = json.loads(r.stdout or "{}")
        want = optuna.importance.get_param_importances(study, evaluator=evaluator, target=target)
        check(set(got) == set(want) and all(abs(got[p] - want[p]) < 1e-9 for p in want),
              f"{url}: PED-ANOVA objective {objective}: hpo {got} vs Optuna {want}")


def legacy_sqlite(tmp):
    path = os.path.join(tmp, "legacy.db")
    url = "sqlite:///" + path
    study = optuna.create_study(study_name="old", storage=url)
    study.optimize(objective, n_trials=5, catch=(ValueError,))
    db = sqlite3.connect(path)
    db.execute("UPDATE alembic_version SET version_num = 'v3.0.0.d'")
    db.execute("DROP INDEX ix_trials_study_id")
    db.commit()
    hpo("run", url, "old", "3")
    rev = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    check(rev == "v3.0.0.d", f"legacy: hpo restamped the database to {rev}")
    db.close()
    try:
        optuna.load_study(study_name="old", storage=url)
        check(False, "legacy: Optuna 5 opened a v3.0.0.d database without upgrade")
    except RuntimeError:
        pass
    hpo("upgrade", url)
    study = optuna.load_study(study_name="old", storage=url)
    check(len(study.trials) == 8, f"legacy: {len(study.trials)} trials after upgrade")
    compare("legacy", study.trials, hpo_dump(url, "old"))


def main():
    print("optuna", optuna.__version__)
    with tempfile.TemporaryDirectory() as tmp:
        urls = ["sqlite:///" + os.path.join(tmp, "interop.db")]
        if os.environ.get("HPO_TEST_PG_URL"):
            urls.append(os.environ["HPO_TEST_PG_URL"])
        else:
            print("SKIP PostgreSQL interop: HPO_TEST_PG_URL is not set")
        for url in urls:
            for name in ("from-optuna", "from-hpo", "interop-importance"):  # a reused database
                try:
                    optuna.delete_study(study_name=name, storage=url)
                except KeyError:
                    pass
            optuna_then_hpo(url)
            hpo_then_optuna(url)
        importance_agrees(urls[0])
        legacy_sqlite(tmp)
    print(f"interop: {'FAILED ' + str(len(FAILURES)) if FAILURES else 'all checks passed'}")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
