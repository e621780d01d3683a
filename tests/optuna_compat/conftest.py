"""Run Optuna 5.0's own tests against hpo: `optuna` and every `optuna.X` resolve to
`hpo` and `hpo.X`. A test module that imports something hpo does not have (Optuna's
private modules such as optuna.testing or optuna.samplers._lazy_random_state) fails
to collect; run.sh counts those as out of scope and lists them."""
import importlib
import importlib.abc
import importlib.util
import sys

import hpo

hpo.logging.set_verbosity(hpo.logging.WARNING)


class _OptunaAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname == "optuna" or fullname.startswith("optuna."):
            target_name = "hpo" + fullname[len("optuna"):]
            if importlib.util.find_spec(target_name) is None:
                return None
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("hpo" + spec.name[len("optuna"):])

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _OptunaAlias())
sys.modules["optuna"] = hpo


# ---- Optuna's test utilities (optuna.testing) rebuilt on hpo's public API ----------
# They are test scaffolding, not the API under test: with them test_study.py and
# test_trial.py can run. DeterministicSampler/Pruner map onto hpo's PartialFixedSampler
# and Threshold/Nop pruners, since hpo cannot run a Python sampler or pruner.
import contextlib  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import types  # noqa: E402


def _module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class _TempfilePool:
    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._files = []

    def __enter__(self):
        return self.tempfile()

    def tempfile(self):
        f = tempfile.NamedTemporaryFile(delete=False, **self._kwargs)
        self._files.append(f)
        return f

    def __exit__(self, *exc):
        for f in self._files:
            f.close()
            with contextlib.suppress(OSError):
                os.unlink(f.name)


class _StorageSupplier:
    def __init__(self, storage_specifier, **kwargs):
        self.spec, self.kwargs, self.pool = storage_specifier, kwargs, _TempfilePool()

    def __enter__(self):
        if self.spec == "inmemory":
            return hpo.storages.InMemoryStorage()
        f = self.pool.tempfile()
        return hpo.storages.RDBStorage(f"sqlite:///{f.name}", **self.kwargs)

    def __exit__(self, *exc):
        self.pool.__exit__(*exc)


def _fail_objective(_):
    raise ValueError()


def _pruned_objective(trial):
    raise hpo.TrialPruned()


def _deterministic_sampler(params):
    return hpo.samplers.PartialFixedSampler(params, hpo.samplers.RandomSampler())


def _deterministic_pruner(is_pruning):
    return hpo.pruners.ThresholdPruner(upper=-1e308) if is_pruning else hpo.pruners.NopPruner()


_module("optuna.testing")
_module("optuna.testing.storages", STORAGE_MODES=["inmemory", "sqlite"],
        StorageSupplier=_StorageSupplier)
_module("optuna.testing.objectives", fail_objective=_fail_objective,
        pruned_objective=_pruned_objective)
_module("optuna.testing.samplers", DeterministicSampler=_deterministic_sampler)
_module("optuna.testing.pruners", DeterministicPruner=_deterministic_pruner)
_module("optuna.testing.tempfile_pool", NamedTemporaryFilePool=_TempfilePool)

# Three private names that test_study.py / test_trial.py import at module level only
# to compare against; without them neither file collects. They are the values Optuna
# stores, so the tests that use them check the same thing.
_module("optuna.study._constrained_optimization", _CONSTRAINTS_KEY="constraints")
_module("optuna.study.study", _SYSTEM_ATTR_METRIC_NAMES="study:metric_names",
        Study=hpo.Study)
_module("optuna.trial._trial", _LazyTrialSystemAttrs=dict)
