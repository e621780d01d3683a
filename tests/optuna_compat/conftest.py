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
