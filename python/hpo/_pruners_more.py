"""ThresholdPruner, PatientPruner and WilcoxonPruner over libhpo (ctypes).

Kept apart from hpo/__init__.py, which imports these names; like the other
pruners, each builds a fresh C pruner in _new() for the study to own.
"""
import math
from ctypes import POINTER, Structure, byref, c_double, c_int, c_int64, c_uint

from ._core import BasePruner, _P, _check, _sig

__all__ = ["ThresholdPruner", "PatientPruner", "WilcoxonPruner"]


class _ThresholdOptions(Structure):
    _fields_ = [("version", c_uint), ("lower", c_double), ("upper", c_double),
                ("n_warmup_steps", c_int64), ("interval_steps", c_int64)]


class _WilcoxonOptions(Structure):
    _fields_ = [("version", c_uint), ("p_threshold", c_double), ("n_startup_steps", c_int64)]


_threshold_init = _sig("hpo_threshold_options_init", c_int, POINTER(_ThresholdOptions), c_uint)
_pruner_threshold = _sig("hpo_pruner_threshold_new", c_int, POINTER(_P),
                         POINTER(_ThresholdOptions))
_pruner_patient = _sig("hpo_pruner_patient_new", c_int, POINTER(_P), _P, c_int64, c_double)
_wilcoxon_init = _sig("hpo_wilcoxon_options_init", c_int, POINTER(_WilcoxonOptions), c_uint)
_pruner_wilcoxon = _sig("hpo_pruner_wilcoxon_new", c_int, POINTER(_P), POINTER(_WilcoxonOptions))
_pruner_free = _sig("hpo_pruner_free", None, _P)


def _bound(value, unset):
    # None is unset (NaN in C); an infinity on its own side is unset as well,
    # which is how Optuna stores a missing bound.
    if value is None:
        return math.nan
    value = float(value)
    return math.nan if value == unset else value


def _validated(pruner):
    # Build and drop one C pruner, so bad arguments raise at construction as
    # they do in Optuna, not later in create_study.
    _pruner_free(pruner._new())
    return pruner


class ThresholdPruner(BasePruner):
    def __init__(self, lower=None, upper=None, n_warmup_steps=0, interval_steps=1):
        if lower is None and upper is None:
            raise TypeError("Either lower or upper must be specified.")
        for name, v in (("lower", lower), ("upper", upper)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise TypeError(f"{name} should be a float, got {type(v).__name__}.")
        self._o = _ThresholdOptions()
        _check(_threshold_init(byref(self._o), 1))
        self._o.lower = _bound(lower, -math.inf)
        self._o.upper = _bound(upper, math.inf)
        self._o.n_warmup_steps, self._o.interval_steps = n_warmup_steps, interval_steps
        _validated(self)

    def _new(self):
        p = _P()
        _check(_pruner_threshold(byref(p), byref(self._o)))
        return p


class PatientPruner(BasePruner):
    def __init__(self, wrapped_pruner, patience, min_delta=0.0):
        import warnings
        from .exceptions import ExperimentalWarning
        warnings.warn("PatientPruner is experimental (supported from v2.8.0). The interface "
                      "can change in the future.", ExperimentalWarning, stacklevel=2)
        self._wrapped = wrapped_pruner
        self._patience, self._min_delta = int(patience), float(min_delta)
        _validated(self)

    def _new(self):
        # The C call owns the wrapped handle from here on, also when it fails.
        inner = self._wrapped._new() if self._wrapped is not None else _P()
        p = _P()
        _check(_pruner_patient(byref(p), inner, self._patience, self._min_delta))
        return p


class WilcoxonPruner(BasePruner):
    def __init__(self, *, p_threshold=0.1, n_startup_steps=2):
        self._o = _WilcoxonOptions()
        _check(_wilcoxon_init(byref(self._o), 1))
        self._o.p_threshold, self._o.n_startup_steps = p_threshold, n_startup_steps
        _validated(self)

    def _new(self):
        p = _P()
        _check(_pruner_wilcoxon(byref(p), byref(self._o)))
        return p
