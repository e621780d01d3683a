"""test_binding.py - the Python binding (python/hpo) on libhpo.so, TAP output.

Run by build/release/tests/test_python (the Makefile writes it), which sets
HPO_LIBRARY and PYTHONPATH. Covers the Optuna-shaped API end to end: every
suggest kind, ask/tell, optimize with pruning and failures, enqueue, attributes,
multi-objective, a SQLite study reopened and read back, reproducibility by
seed, and errors with the library's message (hostile names included).
"""
import math
import os
import sys
import tempfile

import tap  # tests/python/tap.py: the shared TAP runner

import hpo


def quad(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def test_optimize_finds_minimum():
    study = hpo.create_study(sampler=hpo.TPESampler(seed=1))
    study.optimize(quad, n_trials=60)
    assert len(study.trials) == 60
    assert study.best_value < 0.5, study.best_value
    assert abs(study.best_params["x"] - 2) < 1.0


def test_every_suggest_kind():
    study = hpo.create_study(sampler=hpo.RandomSampler(seed=3))
    t = study.ask()
    x = t.suggest_float("x", 1e-5, 1e-1, log=True)
    q = t.suggest_float("q", 0, 1, step=0.25)
    n = t.suggest_int("n", 1, 9, step=2)
    m = t.suggest_int("m", 1, 1024, log=True)
    c = t.suggest_categorical("c", ["a", 1, 2.5, None, True])
    assert 1e-5 <= x <= 1e-1 and q in (0, 0.25, 0.5, 0.75, 1.0) and n in (1, 3, 5, 7, 9)
    assert 1 <= m <= 1024 and c in ("a", 1, 2.5, None, True)
    assert t.suggest_float("x", 1e-5, 1e-1, log=True) == x  # same name: same value
    t.set_user_attr("note", {"k": [1, "s"]})
    study.tell(t, 1.0)
    ft = study.trials[0]
    assert ft.state == "COMPLETE" and ft.value == 1.0
    assert ft.params == {"x": x, "q": q, "n": n, "m": m, "c": c}, ft.params
    assert ft.user_attrs == {"note": {"k": [1, "s"]}}


def test_pruning_and_failures():
    study = hpo.create_study(sampler=hpo.RandomSampler(seed=0),
                             pruner=hpo.MedianPruner(n_startup_trials=2))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 3:
            raise ZeroDivisionError("boom")
        for step in range(5):
            trial.report(x + step, step)
            if trial.should_prune():
                raise hpo.TrialPruned()
        return x

    study.optimize(objective, n_trials=12, catch=(ZeroDivisionError,))
    states = [t.state for t in study.trials]
    assert states[3] == "FAIL" and states.count("FAIL") == 1
    assert "PRUNED" in states, states
    pruned = [t for t in study.trials if t.state == "PRUNED"]
    assert all(t.intermediate_values for t in pruned)
    try:
        study.optimize(lambda t: 1 / 0, n_trials=1)
        assert False, "an uncaught exception must propagate"
    except ZeroDivisionError:
        pass
    assert study.trials[-1].state == "FAIL"


def test_threads_callbacks_and_stop():
    study = hpo.create_study(sampler=hpo.TPESampler(seed=4))
    study.optimize(quad, n_trials=40, n_jobs=4)
    assert sorted(t.number for t in study.trials) == list(range(40))
    assert all(t.state == "COMPLETE" for t in study.trials)
    seen = []

    def stop_at_five(s, frozen):
        seen.append(frozen.number)
        if len(seen) == 5:
            s.stop()

    study.optimize(quad, n_trials=100, callbacks=[stop_at_five])
    assert seen == list(range(40, 45)) and len(study.trials) == 45
    t = study.ask()
    t.suggest_int("n", 0, 3)
    assert list(t.params) == ["n"]
    study.tell(t, 1.0)


def test_enqueue_and_attrs():
    study = hpo.create_study()
    study.enqueue_trial({"x": 1.5, "c": "b"})
    t = study.ask()
    assert t.suggest_float("x", 0, 2) == 1.5
    assert t.suggest_categorical("c", ["a", "b"]) == "b"
    study.tell(t, 0.0)
    study.set_user_attr("owner", {"team": "ml"})
    assert study.user_attr("owner") == {"team": "ml"}


def test_multi_objective():
    study = hpo.create_study(directions=["minimize", "maximize"],
                             sampler=hpo.TPESampler(seed=2))

    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, x * x

    study.optimize(two, n_trials=20)
    assert all(len(t.values) == 2 for t in study.trials)
    # minimise x and maximise x^2 on [0, 1] conflict everywhere: every trial is
    # on the Pareto front. Minimising both instead, only the smallest x is.
    assert len(study.best_trials) == 20
    both = hpo.create_study(directions=["minimize", "minimize"], sampler=hpo.RandomSampler(seed=5))
    both.optimize(two, n_trials=20)
    front = both.best_trials
    assert len(front) == 1
    assert front[0].params["x"] == min(t.params["x"] for t in both.trials)
    assert study.directions == [hpo.StudyDirection.MINIMIZE, hpo.StudyDirection.MAXIMIZE]
    try:
        study.best_trial
        assert False, "best_trial of a multi-objective study"
    except RuntimeError as e:  # Optuna's exception type
        assert "objective" in str(e)


def test_sqlite_reopen_and_seed():
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///" + os.path.join(tmp, "py.db")
        for name in ("a", "b"):
            with hpo.create_study(storage=url, study_name=name,
                                  sampler=hpo.TPESampler(seed=7)) as s:
                s.optimize(quad, n_trials=15)
        with hpo.load_study(study_name="a", storage=url) as a, \
                hpo.load_study(study_name="b", storage=url) as b:
            xa = [t.params["x"] for t in a.trials]
            xb = [t.params["x"] for t in b.trials]
            assert xa == xb, "same seed, same storage kind, one worker: same trials"
            assert len(xa) == 15
        with hpo.create_study(storage=url, study_name="a", load_if_exists=True,
                              sampler=hpo.TPESampler(seed=7)) as a:
            a.optimize(quad, n_trials=5)
            assert [t.number for t in a.trials] == list(range(20))
        hpo.delete_study(study_name="b", storage=url)
        try:
            hpo.load_study(study_name="b", storage=url)
            assert False, "a deleted study loaded"
        except KeyError as e:
            assert "b" in str(e)


def test_errors_and_hostile_input():
    study = hpo.create_study()
    t = study.ask()
    for bad in (lambda: t.suggest_float("x", 1, 0),
                lambda: t.suggest_float("y", 0, 1, log=True),
                lambda: t.suggest_int("n", 0, 10, step=0),
                lambda: t.suggest_categorical("c", [])):
        try:
            bad()
            assert False, "bad distribution accepted"
        except ValueError as e:
            assert str(e), "the library's message"
    nasty = "x'; DROP TABLE trials; --\"$(rm -rf /)\u00e9"
    v = t.suggest_float(nasty, 0, 1)
    study.tell(t, v)
    assert list(study.trials[0].params) == [nasty]
    for bad_name in ("a\0b", 5):
        try:
            study.ask().suggest_float(bad_name, 0, 1)
            assert False
        except (ValueError, TypeError):
            pass
    for value in (math.nan,):
        t = study.ask()
        study.tell(t, value)  # NaN fails the trial, as in Optuna
        assert study.trials[-1].state == "FAIL"
    try:
        hpo.create_study(direction="sideways")
        assert False
    except ValueError:
        pass
    try:
        hpo.create_study(storage="mysql://nowhere/db")
        assert False
    except hpo.HpoError as e:
        assert "mysql" in str(e)
    try:
        study.tell(study.ask(), [1.0, 2.0])
        assert False, "two values for one objective"
    except ValueError:
        pass


def test_default_is_auto():
    study = hpo.create_study(seed=4)
    study.optimize(quad, n_trials=15)
    assert study.trials[-1].system_attrs["auto:sampler"] == "gp"
    assert study.best_value < 1.0, study.best_value


def test_every_sampler():
    makers = {
        "cmaes": lambda: hpo.CmaEsSampler(seed=1, popsize=6),
        "qmc": lambda: hpo.QMCSampler(qmc_type="halton", scramble=True, seed=1),
        "auto": lambda: hpo.AutoSampler(seed=1),
        "nsga2": lambda: hpo.NSGAIISampler(population_size=8, seed=1,
                                           crossover=hpo.SBXCrossover()),
        "fixed": lambda: hpo.PartialFixedSampler({"y": 0.5}, hpo.TPESampler(seed=1)),
        "gp": lambda: hpo.GPSampler(seed=1),
    }
    for name, make in makers.items():
        study = hpo.create_study(sampler=make())
        study.optimize(lambda t: quad(t) + t.suggest_float("y", 0, 1), n_trials=24)
        assert len(study.trials) == 24, name
        if name == "fixed":
            assert all(t.params["y"] == 0.5 for t in study.trials)
        assert study.best_value < 9.0, (name, study.best_value)
    try:
        hpo.CmaEsSampler(x0={"x": 1.0})
        assert False
    except ValueError as e:
        assert "x0" in str(e)
    try:
        hpo.NSGAIISampler(population_size=1)._new()
        assert False
    except ValueError as e:
        assert "population_size" in str(e)


def test_grid_and_brute_force_end_by_themselves():
    grid = {"x": [-1, 0, 2], "opt": ["a", "b'; DROP TABLE trials;--"]}
    study = hpo.create_study(sampler=hpo.GridSampler(grid, seed=2))
    study.optimize(lambda t: t.suggest_int("x", -1, 2) +
                   len(t.suggest_categorical("opt", grid["opt"])), n_trials=100)
    seen = sorted((t.params["x"], t.params["opt"]) for t in study.trials)
    assert seen == sorted((x, o) for x in grid["x"] for o in grid["opt"]), seen
    try:
        study.ask()
        assert False, "ask past the grid"
    except hpo.HpoError as e:
        assert "6 points" in str(e)
    study = hpo.create_study(sampler=hpo.BruteForceSampler(seed=3))
    study.optimize(lambda t: t.suggest_int("a", 1, 3) + t.suggest_float("b", 0, 1, step=0.5),
                   n_trials=100)
    assert len(study.trials) == 9, len(study.trials)
    try:
        hpo.GridSampler({"x": []})._new()
        assert False
    except ValueError as e:
        assert "no values" in str(e)


def test_constraints():
    def obj(t):
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
        return x * x + y * y

    def cons(frozen):
        assert frozen.values is not None
        return [1 - frozen.params["x"] - frozen.params["y"]]

    study = hpo.create_study(sampler=hpo.GPSampler(seed=2, constraints_func=cons))
    study.optimize(obj, n_trials=30)
    late = study.trials[20:]
    assert all(len(t.system_attrs["constraints"]) == 1 for t in study.trials)
    near = [t for t in late if t.params["x"] + t.params["y"] >= 0.99 and t.value > 0.45]
    assert len(near) >= 7, [(t.params, t.value) for t in late]

    def obj2(t):
        x = t.suggest_float("x", -1, 1)
        t.set_constraint("pos", -x)
        t.set_constraint("pos", 5.0)  # the first value stands
        return x * x

    study = hpo.create_study(sampler=hpo.NSGAIISampler(population_size=6, seed=1))
    study.optimize(obj2, n_trials=12)
    for t in study.trials:
        assert t.system_attrs["constraints:pos"] == -t.params["x"]


def test_multi_fidelity_pruners():
    def curve(trial):
        q = trial.suggest_float("q", 0, 1)
        for step in range(27):
            trial.report(q * (1 - 0.9 ** (step + 1)), step)
            if trial.should_prune():
                raise hpo.TrialPruned()
        return q * (1 - 0.9 ** 27)

    pruners = [hpo.HyperbandPruner(min_resource=1, max_resource=27),
               hpo.SuccessiveHalvingPruner(), hpo.ThresholdPruner(lower=0.05),
               hpo.PatientPruner(hpo.MedianPruner(), patience=1), hpo.WilcoxonPruner()]
    for pruner in pruners:
        study = hpo.create_study(direction="maximize", pruner=pruner,
                                 sampler=hpo.RandomSampler(seed=5))
        study.optimize(curve, n_trials=30)
        states = [t.state for t in study.trials]
        assert len(states) == 30, type(pruner).__name__
        if not isinstance(pruner, (hpo.PatientPruner, hpo.WilcoxonPruner)):
            assert "PRUNED" in states, (type(pruner).__name__, states)
    try:
        hpo.HyperbandPruner(reduction_factor=1)._new()
        assert False
    except ValueError as e:
        assert "reduction_factor" in str(e)


def main():
    return tap.run(globals())


if __name__ == "__main__":
    sys.exit(main())
