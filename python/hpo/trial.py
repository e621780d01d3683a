"""Optuna's optuna.trial: Trial, FrozenTrial, FixedTrial, TrialState, create_trial."""
import datetime

from ._core import FrozenTrial, Trial, TrialState  # noqa: F401
from .distributions import CategoricalDistribution, FloatDistribution, IntDistribution

__all__ = ["BaseTrial", "Trial", "FrozenTrial", "FixedTrial", "TrialState", "create_trial"]

BaseTrial = object  # Optuna's abstract base; hpo's trials share no Python base


class FixedTrial:
    """Runs an objective with given parameter values (Optuna's FixedTrial), e.g. to
    re-evaluate the best parameters: each suggest returns params[name]."""

    def __init__(self, params, number=0):
        self._params = dict(params)
        self._suggested = {}
        self._distributions = {}
        self.user_attrs = {}
        self.system_attrs = {}
        self.number = number
        self.datetime_start = datetime.datetime.now()

    def _suggest(self, name, dist):
        if name not in self._params:
            raise ValueError(f"The value of the parameter '{name}' is not found. Please set "
                             "it at the construction of the FixedTrial object.")
        value = self._params[name]
        internal = dist.to_internal_repr(value)
        if not dist._contains(internal):
            import warnings
            warnings.warn(f"The value {value} of the parameter '{name}' is out of the range "
                          f"of the distribution {dist}.")
        self._suggested[name] = value
        self._distributions[name] = dist
        return value

    def suggest_float(self, name, low, high, *, step=None, log=False):
        return float(self._suggest(name, FloatDistribution(low, high, log=log, step=step)))

    def suggest_int(self, name, low, high, *, step=1, log=False):
        return int(self._suggest(name, IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(self, name, choices):
        return self._suggest(name, CategoricalDistribution(choices))

    def suggest_uniform(self, name, low, high):
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name, low, high):
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name, low, high, q):
        return self.suggest_float(name, low, high, step=q)

    def report(self, value, step):
        pass

    def should_prune(self):
        return False

    def set_user_attr(self, key, value):
        self.user_attrs[key] = value

    def set_constraint(self, name, value):
        self.system_attrs.setdefault(f"constraints:{name}", value)

    @property
    def params(self):
        return dict(self._suggested)

    @property
    def distributions(self):
        return dict(self._distributions)


def create_trial(*, state=TrialState.COMPLETE, value=None, values=None, params=None,
                 distributions=None, user_attrs=None, system_attrs=None,
                 intermediate_values=None):
    """A FrozenTrial built in Python (Optuna's create_trial), e.g. for study.add_trial."""
    now = datetime.datetime.now()
    state = TrialState(state)
    params = dict(params or {})
    distributions = dict(distributions or {})
    if set(params) != set(distributions):
        raise ValueError("Inconsistent parameters: params and distributions must have the "
                         "same names.")
    for name, dist in distributions.items():
        if not dist._contains(dist.to_internal_repr(params[name])):
            raise ValueError(f"The value {params[name]} of parameter '{name}' isn't "
                             f"contained in the distribution {dist}.")
    if value is not None and values is not None:
        raise ValueError("Specify only one of `value` and `values`.")
    if state == TrialState.COMPLETE and value is None and values is None:
        raise ValueError("A COMPLETE trial needs `value` or `values`.")
    if state != TrialState.COMPLETE and (value is not None or values is not None):
        raise ValueError(f"A {state.name} trial has no values.")
    return FrozenTrial(-1, state, value, now if state != TrialState.WAITING else None,
                       now if state.is_finished() else None, params, distributions,
                       user_attrs or {}, system_attrs or {}, intermediate_values or {}, -1,
                       values=values)
