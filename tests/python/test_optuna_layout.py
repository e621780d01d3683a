"""test_optuna_layout.py - hpo as a drop-in for Optuna's public modules (TAP).

Covers `import hpo as optuna` idioms: the module layout (samplers, pruners, trial,
study, distributions, exceptions, logging, storages), TrialState/StudyDirection
enums, distributions and their JSON, create_trial + add_trial, enqueue with
user_attrs / skip_if_exists, ask(fixed_distributions), tell by number and
skip_if_finished, FixedTrial, MaxTrialsCallback, study names/summaries/copy,
RDBStorage with heartbeats, logging levels, exception types, deprecated suggests,
optimize's gc_after_trial/show_progress_bar, metric names and study attributes.
"""
import math
import os
import sys
import tempfile
import warnings

import tap  # tests/python/tap.py: the shared TAP runner

import hpo as optuna
from hpo.distributions import (CategoricalDistribution, FloatDistribution, IntDistribution,
                               distribution_to_json, json_to_distribution)
from hpo.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.WARNING)


def quad(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def test_module_layout():
    for mod, names in {
        optuna.samplers: ["TPESampler", "RandomSampler", "GPSampler", "CmaEsSampler",
                          "QMCSampler", "GridSampler", "BruteForceSampler",
                          "PartialFixedSampler", "NSGAIISampler", "BaseSampler"],
        optuna.samplers.nsgaii: ["UniformCrossover", "SBXCrossover", "BLXAlphaCrossover"],
        optuna.pruners: ["MedianPruner", "PercentilePruner", "NopPruner", "HyperbandPruner",
                         "SuccessiveHalvingPruner", "ThresholdPruner", "PatientPruner",
                         "WilcoxonPruner", "BasePruner"],
        optuna.trial: ["Trial", "FrozenTrial", "FixedTrial", "TrialState", "create_trial"],
        optuna.study: ["Study", "StudyDirection", "MaxTrialsCallback", "copy_study",
                       "get_all_study_names", "get_all_study_summaries"],
        optuna.exceptions: ["OptunaError", "TrialPruned", "DuplicatedStudyError",
                            "StorageInternalError"],
        optuna.storages: ["RDBStorage", "InMemoryStorage", "RetryFailedTrialCallback"],
        optuna.logging: ["set_verbosity", "get_verbosity", "INFO", "WARNING", "DEBUG"],
    }.items():
        for n in names:
            assert hasattr(mod, n), (mod.__name__, n)
    assert isinstance(optuna.samplers.TPESampler(), optuna.samplers.BaseSampler)
    assert isinstance(optuna.pruners.HyperbandPruner(), optuna.pruners.BasePruner)
    assert optuna.TrialPruned is optuna.exceptions.TrialPruned
    assert isinstance(optuna.__version__, str)


def test_enums():
    assert TrialState.COMPLETE == 1 and TrialState.COMPLETE == "COMPLETE"
    assert TrialState.PRUNED.is_finished() and not TrialState.RUNNING.is_finished()
    assert repr(TrialState.FAIL) == "TrialState.FAIL"
    study = optuna.create_study(direction="maximize")
    assert study.direction == optuna.study.StudyDirection.MAXIMIZE
    study.optimize(quad, n_trials=3)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.trials[0].state.name == "COMPLETE"


def test_distributions():
    f = FloatDistribution(0.0, 1.0, step=0.3)
    assert f.high == 0.9 and f._contains(0.6) and not f._contains(0.5)
    i = IntDistribution(1, 10, log=True)
    assert i.to_external_repr(3.0) == 3 and not i.single()
    c = CategoricalDistribution(["a", None, 1.5])
    assert c.to_internal_repr(None) == 1 and c.to_external_repr(2) == 1.5
    for d in (f, i, c):
        assert json_to_distribution(distribution_to_json(d)) == d
    legacy = json_to_distribution('{"name": "UniformDistribution", '
                                  '"attributes": {"low": 0.0, "high": 2.0}}')
    assert legacy == FloatDistribution(0.0, 2.0)
    for bad in (lambda: FloatDistribution(1, 0), lambda: FloatDistribution(0, 1, log=True),
                lambda: IntDistribution(0, 3, log=True), lambda: CategoricalDistribution([])):
        try:
            bad()
            assert False
        except ValueError:
            pass
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("lr", 1e-5, 1, log=True) +
                   t.suggest_categorical("opt", ["adam", "sgd"]).__len__(), n_trials=2)
    dists = study.trials[0].distributions
    assert dists["lr"] == FloatDistribution(1e-5, 1, log=True)
    assert dists["opt"] == CategoricalDistribution(["adam", "sgd"])


def test_create_and_add_trial():
    study = optuna.create_study()
    t = optuna.trial.create_trial(
        params={"x": 2.0, "c": "b"},
        distributions={"x": FloatDistribution(-10, 10), "c": CategoricalDistribution(["a", "b"])},
        value=0.5, intermediate_values={0: 3.0, 1: 1.0}, user_attrs={"note": "seed"})
    study.add_trial(t)
    study.add_trials([optuna.trial.create_trial(
        params={"x": 1.0}, distributions={"x": FloatDistribution(-10, 10)},
        state=TrialState.FAIL)])
    got = study.trials
    assert len(got) == 2
    assert got[0].value == 0.5 and got[0].params == {"x": 2.0, "c": "b"}
    assert got[0].intermediate_values == {0: 3.0, 1: 1.0}
    assert got[0].user_attrs == {"note": "seed"}
    assert got[1].state == TrialState.FAIL
    assert study.best_value == 0.5
    try:
        optuna.trial.create_trial(params={"x": 20.0}, distributions={"x": FloatDistribution(0, 1)},
                                  value=1.0)
        assert False
    except ValueError:
        pass


def test_enqueue_ask_tell():
    study = optuna.create_study()
    study.enqueue_trial({"x": 1.5}, user_attrs={"src": "manual"})
    study.enqueue_trial({"x": 1.5}, skip_if_exists=True)  # same params: skipped
    t = study.ask()
    assert t.suggest_float("x", -10, 10) == 1.5
    frozen = study.tell(t, 0.25)
    assert frozen.value == 0.25 and frozen.user_attrs == {"src": "manual"}
    t = study.ask(fixed_distributions={"x": FloatDistribution(-1, 1), "n": IntDistribution(1, 3)})
    assert set(t.params) == {"x", "n"}
    study.tell(t.number, 1.0)
    frozen = study.tell(t.number, 2.0, skip_if_finished=True)
    assert frozen.value == 1.0
    try:
        study.tell(t.number, 2.0)
        assert False, "tell of a finished trial"
    except optuna.exceptions.UpdateFinishedTrialError:
        pass
    assert len(study.trials) == 2


def test_fixed_trial_and_callbacks():
    assert quad(optuna.trial.FixedTrial({"x": 2.0})) == 0.0
    try:
        quad(optuna.trial.FixedTrial({"y": 1.0}))
        assert False
    except ValueError:
        pass
    study = optuna.create_study()
    study.optimize(quad, n_trials=100, callbacks=[optuna.study.MaxTrialsCallback(4)],
                   gc_after_trial=True, show_progress_bar=True)
    assert len(study.trials) == 4


def test_names_summaries_copy():
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/a.db"
        s = optuna.create_study(storage=url, study_name="one'; DROP TABLE studies;--")
        s.optimize(quad, n_trials=3)
        s.set_user_attr("k", [1, 2])
        s.set_metric_names(["loss"])
        optuna.create_study(storage=url, study_name="two", directions=["minimize", "maximize"])
        assert optuna.get_all_study_names(url) == ["one'; DROP TABLE studies;--", "two"]
        sums = optuna.get_all_study_summaries(url)
        assert sums[0].n_trials == 3 and sums[0].best_trial.number in range(3)
        assert sums[0].user_attrs == {"k": [1, 2]} and len(sums[1].directions) == 2
        assert s.metric_names == ["loss"] and s.user_attrs == {"k": [1, 2]}
        to = f"sqlite:///{d}/b.db"
        optuna.copy_study(from_study_name="one'; DROP TABLE studies;--", from_storage=url,
                          to_storage=to, to_study_name="copy")
        c = optuna.load_study(study_name="copy", storage=to)
        assert [t.params for t in c.trials] == [t.params for t in s.trials]
        assert c.best_value == s.best_value and c.user_attrs == {"k": [1, 2]}
        try:
            optuna.create_study(storage=url, study_name="two")
            assert False
        except optuna.exceptions.DuplicatedStudyError:
            pass


def test_rdb_storage_heartbeat():
    with tempfile.TemporaryDirectory() as d:
        storage = optuna.storages.RDBStorage(
            f"sqlite:///{d}/h.db", heartbeat_interval=1, grace_period=2,
            failed_trial_callback=optuna.storages.RetryFailedTrialCallback(max_retry=1))
        study = optuna.create_study(storage=storage, study_name="hb")
        study.optimize(quad, n_trials=2)
        assert len(study.trials) == 2
    for bad in (lambda: optuna.storages.RDBStorage("mysql://x/y"),
                lambda: optuna.storages.RDBStorage("sqlite:///x.db", heartbeat_interval=-1)):
        try:
            bad()
            assert False
        except ValueError:
            pass


def test_logging_and_deprecations():
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING
    optuna.logging.set_verbosity(optuna.logging.INFO)
    assert optuna.logging.get_verbosity() == optuna.logging.INFO
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    t = study.ask()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = t.suggest_uniform("a", 0, 1)
        b = t.suggest_loguniform("b", 1e-3, 1)
        c = t.suggest_discrete_uniform("c", 0, 1, 0.25)
    assert len([x for x in w if issubclass(x.category, FutureWarning)]) == 3
    assert 0 <= a <= 1 and 1e-3 <= b <= 1 and c in (0, 0.25, 0.5, 0.75, 1.0)
    study.tell(t, a + b + c)
    try:
        optuna.create_study().best_trial
        assert False
    except ValueError as e:
        assert "No trials" in str(e)
    assert math.isfinite(study.best_value)


def test_in_memory_storage_is_shared():
    storage = optuna.storages.InMemoryStorage()
    a = optuna.create_study(storage=storage, study_name="mem")
    a.optimize(quad, n_trials=3)
    b = optuna.load_study(study_name="mem", storage=storage)
    assert len(b.trials) == 3
    assert optuna.get_all_study_names(storage) == ["mem"]
    a.close()
    b.optimize(quad, n_trials=1)  # closing one study leaves the shared storage open
    optuna.delete_study(study_name="mem", storage=storage)
    assert optuna.get_all_study_names(storage) == []


def main():
    return tap.run(globals())


if __name__ == "__main__":
    os.environ.setdefault("HPO_LOG", "")
    sys.exit(main())
