"""SuccessiveHalvingPruner and HyperbandPruner over libhpo (ctypes).

Kept apart from hpo/__init__.py, which imports these names; like the other
pruners, each builds a fresh C pruner in _new() for the study to own. "auto"
is 0 on the C side.
"""
from ctypes import POINTER, Structure, byref, c_bool, c_int, c_int64, c_uint

from ._core import BasePruner, _P, _check, _sig

__all__ = ["SuccessiveHalvingPruner", "HyperbandPruner"]


class _ShaOptions(Structure):
    _fields_ = [("version", c_uint), ("min_resource", c_int64), ("reduction_factor", c_int64),
                ("min_early_stopping_rate", c_int64), ("bootstrap_count", c_int64)]


class _HyperbandOptions(Structure):
    _fields_ = [("version", c_uint), ("min_resource", c_int64), ("max_resource", c_int64),
                ("reduction_factor", c_int64), ("bootstrap_count", c_int64),
                ("filter_sampler", c_bool)]


_sha_init = _sig("hpo_successive_halving_options_init", c_int, POINTER(_ShaOptions), c_uint)
_pruner_sha = _sig("hpo_pruner_successive_halving_new", c_int, POINTER(_P), POINTER(_ShaOptions))
_hb_init = _sig("hpo_hyperband_options_init", c_int, POINTER(_HyperbandOptions), c_uint)
_pruner_hb = _sig("hpo_pruner_hyperband_new", c_int, POINTER(_P), POINTER(_HyperbandOptions))
_pruner_free = _sig("hpo_pruner_free", None, _P)


def _resource(value, name, auto_ok=True):
    # Optuna accepts an int or the string "auto"; anything else is a ValueError.
    if auto_ok and value == "auto":
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"The value of `{name}` is {value!r}, but must be an int >= 1"
                         + (" or 'auto'" if auto_ok else ""))
    return value


class SuccessiveHalvingPruner(BasePruner):
    def __init__(self, min_resource="auto", reduction_factor=4, min_early_stopping_rate=0,
                 bootstrap_count=0):
        o = _ShaOptions()
        _check(_sha_init(byref(o), 1))
        o.min_resource = _resource(min_resource, "min_resource")
        o.reduction_factor, o.min_early_stopping_rate = reduction_factor, min_early_stopping_rate
        o.bootstrap_count = bootstrap_count
        self._o = o
        _pruner_free(self._new())  # raise on bad arguments now, as Optuna does

    def _new(self):
        p = _P()
        _check(_pruner_sha(byref(p), byref(self._o)))
        return p


class HyperbandPruner(BasePruner):
    def __init__(self, min_resource=1, max_resource="auto", reduction_factor=3,
                 bootstrap_count=0, filter_sampler=True):
        o = _HyperbandOptions()
        _check(_hb_init(byref(o), 1))
        o.min_resource = _resource(min_resource, "min_resource", auto_ok=False)
        o.max_resource = _resource(max_resource, "max_resource")
        o.reduction_factor, o.bootstrap_count = reduction_factor, bootstrap_count
        o.filter_sampler = bool(filter_sampler)
        self._o = o
        _pruner_free(self._new())

    def _new(self):
        p = _P()
        _check(_pruner_hb(byref(p), byref(self._o)))
        return p
