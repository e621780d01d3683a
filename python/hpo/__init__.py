"""hpo for Python: Optuna's API over libhpo (ctypes, standard library only).

A script written for Optuna runs with ``import hpo as optuna``::

    import hpo as optuna

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = optuna.create_study(storage="sqlite:///hpo.db", study_name="quad")
    study.optimize(objective, n_trials=100)
    print(study.best_params)

The modules mirror Optuna's: hpo.samplers, hpo.pruners, hpo.trial, hpo.study,
hpo.distributions, hpo.exceptions, hpo.logging, hpo.importance, hpo.storages and
hpo.visualization. libhpo.so.0 is found through $HPO_LIBRARY, then next to this
package (the wheel bundles it), then the build tree, then the system's library path.
"""
from ._core import (  # noqa: F401
    AutoSampler, BLXAlphaCrossover, BruteForceSampler, CmaEsSampler, FrozenTrial, GPSampler,
    GridSampler, HpoError, MedianPruner, NopPruner, NSGAIISampler, PartialFixedSampler,
    PercentilePruner, QMCSampler, RandomSampler, SBXCrossover, SPXCrossover, Study,
    StudyDirection, TPESampler, Trial, TrialPruned, TrialState, UNDXCrossover, UniformCrossover,
    VSBXCrossover, create_study, delete_study, load_study)
from ._pruners_mf import HyperbandPruner, SuccessiveHalvingPruner  # noqa: F401
from ._pruners_more import PatientPruner, ThresholdPruner, WilcoxonPruner  # noqa: F401
from .version import __version__  # noqa: F401
from . import distributions, exceptions, logging, pruners, samplers, storages, study, trial  # noqa: F401,E402
from .study import copy_study, get_all_study_names, get_all_study_summaries  # noqa: F401,E402
from .trial import create_trial  # noqa: F401,E402

__all__ = [
    "create_study", "load_study", "delete_study", "copy_study", "get_all_study_names",
    "get_all_study_summaries", "create_trial", "Study", "Trial", "FrozenTrial", "TrialPruned",
    "TrialState", "StudyDirection", "HpoError", "distributions", "exceptions", "logging",
    "pruners", "samplers", "storages", "study", "trial", "__version__",
]


def __getattr__(name):
    # importance and visualization load on first use (as Optuna's lazy imports)
    if name in ("importance", "visualization"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hpo' has no attribute {name!r}")
