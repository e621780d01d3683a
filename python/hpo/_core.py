"""hpo for Python: studies, trials, samplers and pruners of libhpo through ctypes.

The API follows Optuna's, so an objective written for Optuna runs unchanged::

    import hpo

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = hpo.create_study(storage="sqlite:///hpo.db", study_name="quad")
    study.optimize(objective, n_trials=100)
    print(study.best_params)

Standard library only. libhpo.so.0 is found through $HPO_LIBRARY, then the
build tree next to this package (build/release), then the system's library path.
Errors from the library raise HpoError (ValueError for bad arguments,
KeyError for missing studies) with the library's message.
"""
from __future__ import annotations

import ctypes
import enum
import ctypes.util
import json
import os
from ctypes import (POINTER, Structure, Union, byref, c_bool, c_char_p, c_double, c_int,
                    c_int64, c_size_t, c_uint, c_uint64, c_void_p)

__all__ = [
    "HpoError", "TrialPruned", "TrialState", "StudyDirection", "Study", "Trial", "FrozenTrial",
    "TPESampler", "RandomSampler", "GPSampler", "MedianPruner", "PercentilePruner", "NopPruner",
    "create_study", "load_study", "delete_study",
]

# ---- the library -------------------------------------------------------------------------


def _find_library():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("HPO_LIBRARY"),
                  os.path.join(here, "libhpo.so.0"),  # bundled by the wheel
                  os.path.join(here, "..", "..", "build", "release", "libhpo.so.0"),
                  ctypes.util.find_library("hpo")]
    for path in candidates:
        if path and (os.path.exists(path) or not os.path.dirname(path)):
            try:
                return ctypes.CDLL(path)
            except OSError:
                continue
    raise ImportError("libhpo.so.0 not found: build it with 'make' or set HPO_LIBRARY")


_lib = _find_library()



def _on_log(level, message, payload):
    """libhpo's diagnostics: warnings become Python UserWarnings (as Optuna's
    warnings.warn), info and debug go to the "hpo" logger."""
    text = message.decode("utf-8", "replace") if message else ""
    if level >= 2:
        import warnings
        warnings.warn(text, UserWarning, stacklevel=2)
    else:
        import logging as _std_logging
        _std_logging.getLogger("hpo").log(_std_logging.INFO if level == 1 else
                                          _std_logging.DEBUG, text)


_LOG_FN = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p)(_on_log)  # kept alive here
_lib.hpo_set_log_callback.restype = None
_lib.hpo_set_log_callback.argtypes = [ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p),
                                      c_void_p]
_lib.hpo_set_log_callback(_LOG_FN, None)

OK, EINVAL, ENOMEM, ENOTFOUND, EEXISTS, ESTATE = 0, -2, -3, -4, -5, -6
ESTORAGE, ESCHEMA = -8, -9


class _Value(Structure):
    class _U(Union):
        _fields_ = [("b", c_bool), ("i", c_int64), ("f", c_double), ("s", c_char_p)]
    _fields_ = [("type", c_int), ("u", _U)]


class _TpeOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("n_startup_trials", c_size_t),
                ("n_ei_candidates", c_size_t), ("multivariate", c_int), ("group", c_bool),
                ("constant_liar", c_int), ("prior_weight", c_double),
                ("consider_magic_clip", c_bool), ("consider_endpoints", c_bool),
                ("compat", c_int), ("gamma", c_void_p), ("weights", c_void_p),
                ("fn_payload", c_void_p)]


class _GpOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("n_startup_trials", c_size_t),
                ("deterministic_objective", c_bool), ("warp_output", c_bool)]


class _CmaEsOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("n_startup_trials", c_size_t),
                ("sigma0", c_double), ("popsize", c_size_t), ("restart", c_int),
                ("inc_popsize", c_int), ("with_margin", c_int),
                ("consider_pruned_trials", c_bool)]


class _QmcOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("qmc_type", c_int),
                ("scramble", c_bool)]


class _BruteForceOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("avoid_premature_stop", c_bool)]


class _Nsga2Options(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("population_size", c_size_t),
                ("mutation_prob", c_double), ("crossover", c_int),
                ("crossover_prob", c_double), ("swapping_prob", c_double)]


class _AutoOptions(Structure):
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("gp_max_trials", c_size_t)]


class _PercentileOptions(Structure):
    _fields_ = [("version", c_uint), ("n_startup_trials", c_size_t),
                ("n_warmup_steps", c_int64), ("interval_steps", c_int64),
                ("n_min_trials", c_size_t)]


class _StudyOptions(Structure):
    _fields_ = [("version", c_uint), ("load_if_exists", c_bool), ("seed", c_uint64)]


def _sig(name, restype, *argtypes):
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_P = c_void_p
_last_error = _sig("hpo_last_error", c_char_p)
_free = _sig("hpo_free", None, _P)
_storage_open = _sig("hpo_storage_open", c_int, POINTER(_P), c_char_p)
_storage_free = _sig("hpo_storage_free", None, _P)
_storage_set_heartbeat = _sig("hpo_storage_set_heartbeat", c_int, _P, c_double, c_double,
                              c_bool, c_int)
_storage_fail_stale = _sig("hpo_storage_fail_stale_trials", c_int, _P, c_char_p,
                           POINTER(c_size_t))
_sampler_random = _sig("hpo_sampler_random_new", c_int, POINTER(_P), c_uint64)
_tpe_init = _sig("hpo_tpe_options_init", c_int, POINTER(_TpeOptions), c_uint)
_sampler_tpe = _sig("hpo_sampler_tpe_new", c_int, POINTER(_P), POINTER(_TpeOptions))
_gp_init = _sig("hpo_gp_options_init", c_int, POINTER(_GpOptions), c_uint)
_sampler_gp = _sig("hpo_sampler_gp_new", c_int, POINTER(_P), POINTER(_GpOptions))
_sampler_free = _sig("hpo_sampler_free", None, _P)
_cmaes_init = _sig("hpo_cmaes_options_init", c_int, POINTER(_CmaEsOptions), c_uint)
_sampler_cmaes = _sig("hpo_sampler_cmaes_new", c_int, POINTER(_P), POINTER(_CmaEsOptions))
_qmc_init = _sig("hpo_qmc_options_init", c_int, POINTER(_QmcOptions), c_uint)
_sampler_qmc = _sig("hpo_sampler_qmc_new", c_int, POINTER(_P), POINTER(_QmcOptions))
_sampler_grid = _sig("hpo_sampler_grid_new", c_int, POINTER(_P), c_char_p, c_uint64)
_bf_init = _sig("hpo_brute_force_options_init", c_int, POINTER(_BruteForceOptions), c_uint)
_sampler_bf = _sig("hpo_sampler_brute_force_new", c_int, POINTER(_P),
                   POINTER(_BruteForceOptions))
_sampler_fixed = _sig("hpo_sampler_partial_fixed_new", c_int, POINTER(_P), c_char_p, _P)
_nsga2_init = _sig("hpo_nsga2_options_init", c_int, POINTER(_Nsga2Options), c_uint)
_sampler_nsga2 = _sig("hpo_sampler_nsga2_new", c_int, POINTER(_P), POINTER(_Nsga2Options))
_auto_init = _sig("hpo_auto_options_init", c_int, POINTER(_AutoOptions), c_uint)
_sampler_auto = _sig("hpo_sampler_auto_new", c_int, POINTER(_P), POINTER(_AutoOptions))
_pruner_nop = _sig("hpo_pruner_nop_new", c_int, POINTER(_P))
_pct_init = _sig("hpo_percentile_options_init", c_int, POINTER(_PercentileOptions), c_uint)
_pruner_pct = _sig("hpo_pruner_percentile_new", c_int, POINTER(_P), c_double,
                   POINTER(_PercentileOptions))
_pruner_median = _sig("hpo_pruner_median_new", c_int, POINTER(_P), POINTER(_PercentileOptions))
_pruner_free = _sig("hpo_pruner_free", None, _P)
_study_create = _sig("hpo_study_create", c_int, POINTER(_P), _P, c_char_p, POINTER(c_int),
                     c_size_t, POINTER(_StudyOptions))
_study_load = _sig("hpo_study_load", c_int, POINTER(_P), _P, c_char_p, POINTER(_StudyOptions))
_study_delete = _sig("hpo_study_delete", c_int, _P, c_char_p)
_study_free = _sig("hpo_study_free", None, _P)
_study_set_sampler = _sig("hpo_study_set_sampler", c_int, _P, _P)
_trial_set_constraint = _sig("hpo_trial_set_constraint", c_int, _P, c_char_p, c_double)
_trial_set_constraints = _sig("hpo_trial_set_constraints", c_int, _P, POINTER(c_double),
                              c_size_t)
_study_trial_limit = _sig("hpo_study_trial_limit", c_int64, _P)
_study_stop_requested = _sig("hpo_study_stop_requested", c_bool, _P)
_study_set_pruner = _sig("hpo_study_set_pruner", c_int, _P, _P)
_study_name = _sig("hpo_study_name", c_char_p, _P)
_study_n_obj = _sig("hpo_study_n_objectives", c_size_t, _P)
_study_direction = _sig("hpo_study_direction", c_int, _P, c_size_t)
_study_set_attr = _sig("hpo_study_set_user_attr", c_int, _P, c_char_p, c_char_p)
_study_get_attr = _sig("hpo_study_get_user_attr", c_int, _P, c_char_p, POINTER(c_void_p))
_study_enqueue = _sig("hpo_study_enqueue_trial", c_int, _P, POINTER(c_char_p), POINTER(_Value),
                      c_size_t)
_study_ask = _sig("hpo_study_ask", c_int, _P, POINTER(_P))
_study_tell = _sig("hpo_study_tell", c_int, _P, _P, c_int, POINTER(c_double), c_size_t)
_study_tell_number = _sig("hpo_study_tell_number", c_int, _P, c_int64, c_int,
                          POINTER(c_double), c_size_t)
_study_set_sys_attr = _sig("hpo_study_set_system_attr", c_int, _P, c_char_p, c_char_p)
_study_attrs_json = _sig("hpo_study_attrs_json", c_int, _P, c_bool, POINTER(c_void_p))
_study_best = _sig("hpo_study_best_trial", c_int, _P, POINTER(_P))
_study_trial = _sig("hpo_study_get_trial", c_int, _P, c_int64, POINTER(_P))
_study_trials = _sig("hpo_study_get_trials", c_int, _P, c_uint, POINTER(POINTER(_P)),
                     POINTER(c_size_t))
_suggest_float = _sig("hpo_trial_suggest_float", c_int, _P, c_char_p, c_double, c_double,
                      c_double, c_bool, POINTER(c_double))
_suggest_int = _sig("hpo_trial_suggest_int", c_int, _P, c_char_p, c_int64, c_int64, c_int64,
                    c_bool, POINTER(c_int64))
_suggest_cat = _sig("hpo_trial_suggest_categorical", c_int, _P, c_char_p, POINTER(_Value),
                    c_size_t, POINTER(c_size_t))
_report = _sig("hpo_trial_report", c_int, _P, c_double, c_int64)
_should_prune = _sig("hpo_trial_should_prune", c_int, _P, POINTER(c_bool))
_trial_set_attr = _sig("hpo_trial_set_user_attr", c_int, _P, c_char_p, c_char_p)
_trial_number = _sig("hpo_trial_number", c_int64, _P)
_trial_free = _sig("hpo_trial_free", None, _P)
_ft_free = _sig("hpo_frozen_trial_free", None, _P)
_fts_free = _sig("hpo_frozen_trials_free", None, POINTER(_P), c_size_t)
_ft_number = _sig("hpo_frozen_trial_number", c_int64, _P)
_ft_state = _sig("hpo_frozen_trial_state", c_int, _P)
_ft_n_values = _sig("hpo_frozen_trial_n_values", c_size_t, _P)
_ft_value = _sig("hpo_frozen_trial_value", c_double, _P, c_size_t)
_ft_n_params = _sig("hpo_frozen_trial_n_params", c_size_t, _P)
_ft_param_name = _sig("hpo_frozen_trial_param_name", c_char_p, _P, c_size_t)
_ft_param = _sig("hpo_frozen_trial_param", c_int, _P, c_char_p, POINTER(_Value))
_ft_n_inter = _sig("hpo_frozen_trial_n_intermediate", c_size_t, _P)
_ft_inter = _sig("hpo_frozen_trial_intermediate", c_int, _P, c_size_t, POINTER(c_int64),
                 POINTER(c_double))
_ft_n_attrs = _sig("hpo_frozen_trial_n_user_attrs", c_size_t, _P)
_ft_attr_key = _sig("hpo_frozen_trial_user_attr_key", c_char_p, _P, c_size_t)
_ft_n_sys = _sig("hpo_frozen_trial_n_system_attrs", c_size_t, _P)
_ft_sys_key = _sig("hpo_frozen_trial_system_attr_key", c_char_p, _P, c_size_t)
_ft_sys = _sig("hpo_frozen_trial_system_attr", c_char_p, _P, c_char_p)
_ft_attr = _sig("hpo_frozen_trial_user_attr", c_char_p, _P, c_char_p)
_ft_start = _sig("hpo_frozen_trial_datetime_start", c_double, _P)
_ft_id = _sig("hpo_frozen_trial_id", c_int64, _P)
_ft_param_dist = _sig("hpo_frozen_trial_param_distribution", _P, _P, c_size_t)
_dist_to_json = _sig("hpo_distribution_to_json", c_int, _P, POINTER(c_void_p))
_ft_complete = _sig("hpo_frozen_trial_datetime_complete", c_double, _P)

# ---- errors and enums --------------------------------------------------------------------


class OptunaError(Exception):
    """Base of every error this package raises on purpose (Optuna's OptunaError)."""


class DuplicatedStudyError(OptunaError):
    """A study of that name exists already (create_study without load_if_exists)."""


class StorageInternalError(OptunaError):
    """The storage failed (database error, lost connection, bad schema)."""


class UpdateFinishedTrialError(OptunaError, RuntimeError):
    """The trial has finished and cannot change."""


class HpoError(OptunaError, RuntimeError):
    """A libhpo failure: status is the library's code, the message its text."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _HpoValueError(HpoError, ValueError):
    pass


class _HpoKeyError(HpoError, KeyError):
    def __str__(self):
        return self.args[0]


class _HpoDuplicated(HpoError, DuplicatedStudyError):
    pass


class _HpoStorage(HpoError, StorageInternalError):
    pass


class _HpoState(HpoError, UpdateFinishedTrialError):
    pass


class TrialPruned(OptunaError):
    """Raise it from an objective to end the trial as PRUNED (as in Optuna)."""


def _check(rc):
    if rc == OK:
        return
    msg = (_last_error() or b"").decode("utf-8", "replace")
    if rc == EINVAL:
        raise _HpoValueError(rc, msg)
    if rc == ENOTFOUND:
        raise _HpoKeyError(rc, msg)
    if rc == ENOMEM:
        raise MemoryError(msg)
    if rc == EEXISTS:
        raise _HpoDuplicated(rc, msg)
    if rc == ESTATE:
        raise _HpoState(rc, msg)
    if rc in (ESTORAGE, ESCHEMA):
        raise _HpoStorage(rc, msg)
    raise HpoError(rc, msg)


class TrialState(enum.IntEnum):
    """Optuna's TrialState (same values). A member also equals its name as a string,
    so code written against hpo's earlier string states keeps working."""
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __eq__(self, other):
        if isinstance(other, str):
            return self.name == other.upper()
        return int(self) == other

    __hash__ = enum.IntEnum.__hash__

    def __repr__(self):
        return f"TrialState.{self.name}"

    __str__ = __repr__

    def is_finished(self):
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class StudyDirection(enum.IntEnum):
    """Optuna's StudyDirection (same values)."""
    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2

    def __repr__(self):
        return f"StudyDirection.{self.name}"

    __str__ = __repr__


def _direction(d):
    if isinstance(d, int):
        return d
    name = str(d).lower()
    if name in ("minimize", "maximize"):
        return StudyDirection.MINIMIZE if name == "minimize" else StudyDirection.MAXIMIZE
    raise ValueError(f"direction must be 'minimize' or 'maximize', got {d!r}")


def _b(s):
    if not isinstance(s, str):
        raise TypeError(f"expected a str, got {type(s).__name__}")
    if "\0" in s:
        raise ValueError("names cannot hold NUL characters")
    return s.encode("utf-8")


def _to_value(v, keep):
    out = _Value()
    if v is None:
        out.type = 0
    elif isinstance(v, bool):
        out.type, out.u.b = 1, v
    elif isinstance(v, int):
        out.type, out.u.i = 2, v
    elif isinstance(v, float):
        out.type, out.u.f = 3, v
    elif isinstance(v, str):
        data = _b(v)
        keep.append(data)
        out.type, out.u.s = 4, data
    else:
        raise TypeError(f"categorical choices are None, bool, int, float or str; got {v!r}")
    return out


def _from_value(v):
    if v.type == 0:
        return None
    if v.type == 1:
        return bool(v.u.b)
    if v.type == 2:
        return int(v.u.i)
    if v.type == 3:
        return float(v.u.f)
    return v.u.s.decode("utf-8")


class BaseSampler:
    """Optuna's BaseSampler, for isinstance checks: hpo's samplers run in C (each
    builds its C sampler in _new()), so a Python subclass cannot drive a study."""


class BasePruner:
    """Optuna's BasePruner, for isinstance checks (hpo's pruners run in C)."""


# ---- samplers and pruners ----------------------------------------------------------------


class TPESampler(BaseSampler):
    """Optuna's TPESampler (5.0 defaults): seed, n_startup_trials, n_ei_candidates,
    multivariate (None: auto), constant_liar (None: auto), prior_weight."""

    def __init__(self, seed=0, n_startup_trials=10, n_ei_candidates=24, multivariate=None,
                 constant_liar=None, prior_weight=1.0, group=False):
        self._opts = _TpeOptions()
        _check(_tpe_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.n_startup_trials = n_startup_trials
        self._opts.n_ei_candidates = n_ei_candidates
        self._opts.multivariate = -1 if multivariate is None else int(bool(multivariate))
        self._opts.constant_liar = -1 if constant_liar is None else int(bool(constant_liar))
        self._opts.prior_weight = prior_weight
        self._opts.group = group

    def _new(self):
        p = _P()
        _check(_sampler_tpe(byref(p), byref(self._opts)))
        return p


class RandomSampler(BaseSampler):
    def __init__(self, seed=0):
        self._seed = 0 if seed is None else seed

    def _new(self):
        p = _P()
        _check(_sampler_random(byref(p), self._seed))
        return p


class GPSampler(BaseSampler):
    """Optuna's GPSampler: seed, n_startup_trials (10), deterministic_objective (False);
    warp_output (hpo only, True) fits a monotone warp of the values (False: Optuna's
    plain standardisation)."""

    def __init__(self, *, seed=0, independent_sampler=None, n_startup_trials=10,
                 deterministic_objective=False, constraints_func=None,
                 warn_independent_sampling=True, warp_output=True):
        self._constraints_func = constraints_func
        if independent_sampler is not None and not isinstance(independent_sampler,
                                                                RandomSampler):
            raise ValueError("GPSampler: only a RandomSampler can be the independent sampler")
        if n_startup_trials < 0:
            raise ValueError(f"n_startup_trials must be >= 0, got {n_startup_trials}")
        self._opts = _GpOptions()
        _check(_gp_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.n_startup_trials = n_startup_trials
        self._opts.deterministic_objective = bool(deterministic_objective)
        self._opts.warp_output = bool(warp_output)

    def _new(self):
        p = _P()
        _check(_sampler_gp(byref(p), byref(self._opts)))
        return p


class CmaEsSampler(BaseSampler):
    """Optuna's CmaEsSampler: seed, n_startup_trials (1), sigma0 (None: 1/6 of each
    range), popsize (None: 4 + 3 ln d), inc_popsize, with_margin, consider_pruned_trials,
    restart_strategy ("ipop", hpo's default, or None for no restart). x0,
    use_separable_cma, lr_adapt and source_trials are not supported."""

    def __init__(self, x0=None, sigma0=None, n_startup_trials=1, independent_sampler=None,
                 warn_independent_sampling=True, seed=0, *, consider_pruned_trials=False,
                 restart_strategy="ipop", popsize=None, inc_popsize=2,
                 use_separable_cma=False, with_margin=None, lr_adapt=False,
                 source_trials=None):
        for name, value, default in (("x0", x0, None), ("use_separable_cma", use_separable_cma,
                                      False), ("lr_adapt", lr_adapt, False),
                                     ("source_trials", source_trials, None)):
            if value != default:
                raise ValueError(f"CmaEsSampler: {name} is not supported by hpo")
        if independent_sampler is not None and not isinstance(independent_sampler,
                                                                RandomSampler):
            raise ValueError("CmaEsSampler: only a RandomSampler can be the independent sampler")
        if restart_strategy not in ("ipop", None):
            raise ValueError(f"restart_strategy must be 'ipop' or None, got {restart_strategy!r}")
        self._opts = _CmaEsOptions()
        _check(_cmaes_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.n_startup_trials = n_startup_trials
        if sigma0 is not None:
            self._opts.sigma0 = sigma0
        self._opts.popsize = 0 if popsize is None else popsize
        self._opts.restart = 1 if restart_strategy == "ipop" else 0
        self._opts.inc_popsize = inc_popsize
        self._opts.with_margin = -1 if with_margin is None else int(bool(with_margin))
        self._opts.consider_pruned_trials = bool(consider_pruned_trials)

    def _new(self):
        p = _P()
        _check(_sampler_cmaes(byref(p), byref(self._opts)))
        return p


class QMCSampler(BaseSampler):
    """Optuna's QMCSampler: qmc_type "sobol" or "halton", scramble (False), seed. The
    point of trial n is point n of the sequence."""

    def __init__(self, *, qmc_type="sobol", scramble=False, seed=0, independent_sampler=None,
                 warn_asynchronous_seeding=True, warn_independent_sampling=True):
        if qmc_type not in ("sobol", "halton"):
            raise ValueError(f"qmc_type must be 'sobol' or 'halton', got {qmc_type!r}")
        if independent_sampler is not None and not isinstance(independent_sampler,
                                                                RandomSampler):
            raise ValueError("QMCSampler: only a RandomSampler can be the independent sampler")
        self._opts = _QmcOptions()
        _check(_qmc_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.qmc_type = 0 if qmc_type == "sobol" else 1
        self._opts.scramble = bool(scramble)

    def _new(self):
        p = _P()
        _check(_sampler_qmc(byref(p), byref(self._opts)))
        return p


class GridSampler(BaseSampler):
    """Optuna's GridSampler: search_space {name: [values]}; every point exactly once,
    also across workers; optimize() ends when the grid is exhausted."""

    def __init__(self, search_space, seed=0):
        if not isinstance(search_space, dict):
            raise ValueError("GridSampler: search_space must be a dict of value lists")
        self._json = json.dumps({k: list(v) for k, v in search_space.items()})
        self._seed = 0 if seed is None else seed

    def _new(self):
        p = _P()
        _check(_sampler_grid(byref(p), _b(self._json), self._seed))
        return p


class BruteForceSampler(BaseSampler):
    """Optuna's BruteForceSampler: every point of a finite define-by-run space once."""

    def __init__(self, seed=0, avoid_premature_stop=False):
        self._opts = _BruteForceOptions()
        _check(_bf_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.avoid_premature_stop = bool(avoid_premature_stop)

    def _new(self):
        p = _P()
        _check(_sampler_bf(byref(p), byref(self._opts)))
        return p


class PartialFixedSampler(BaseSampler):
    """Optuna's PartialFixedSampler: fixed_params {name: value}, the rest from base_sampler."""

    def __init__(self, fixed_params, base_sampler):
        if not isinstance(fixed_params, dict):
            raise ValueError("PartialFixedSampler: fixed_params must be a dict")
        self._json = json.dumps(fixed_params)
        self._base = base_sampler

    def _new(self):
        p = _P()
        _check(_sampler_fixed(byref(p), _b(self._json), self._base._new()))
        return p


class _Crossover:
    _kind = 0

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise ValueError(f"{type(self).__name__}: hpo supports only the default parameters")


class UniformCrossover(_Crossover):
    _kind = 0

    def __init__(self, swapping_prob=0.5):
        self.swapping_prob = swapping_prob


class BLXAlphaCrossover(_Crossover):
    _kind = 1


class SBXCrossover(_Crossover):
    _kind = 2


class VSBXCrossover(_Crossover):
    _kind = 3


class UNDXCrossover(_Crossover):
    _kind = 4


class SPXCrossover(_Crossover):
    _kind = 5


class NSGAIISampler(BaseSampler):
    """Optuna's NSGAIISampler: population_size (50), mutation_prob (None: 1/n_params),
    crossover (None: UniformCrossover(swapping_prob)), crossover_prob (0.9),
    swapping_prob (0.5), seed."""

    def __init__(self, *, population_size=50, mutation_prob=None, crossover=None,
                 crossover_prob=0.9, swapping_prob=0.5, seed=0, constraints_func=None,
                 elite_population_selection_strategy=None,
                 child_generation_strategy=None, after_trial_strategy=None):
        if elite_population_selection_strategy is not None \
                or child_generation_strategy is not None or after_trial_strategy is not None:
            raise ValueError("NSGAIISampler: the strategy callbacks are not supported by hpo")
        self._constraints_func = constraints_func
        if crossover is not None and not isinstance(crossover, _Crossover):
            raise ValueError("NSGAIISampler: crossover must be one of hpo's crossover classes")
        self._opts = _Nsga2Options()
        _check(_nsga2_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.population_size = population_size
        self._opts.mutation_prob = -1.0 if mutation_prob is None else mutation_prob
        self._opts.crossover = 0 if crossover is None else crossover._kind
        if isinstance(crossover, UniformCrossover):
            swapping_prob = crossover.swapping_prob
        self._opts.crossover_prob = crossover_prob
        self._opts.swapping_prob = swapping_prob

    def _new(self):
        p = _P()
        _check(_sampler_nsga2(byref(p), byref(self._opts)))
        return p


class AutoSampler(BaseSampler):
    """hpo's default sampler: GP while the study has fewer than gp_max_trials (300)
    COMPLETE trials, TPE for several objectives, conditional or mostly categorical
    spaces, CMA-ES for longer all-numeric runs; the choice per trial is the system
    attribute "auto:sampler"."""

    def __init__(self, *, seed=0, gp_max_trials=300):
        self._opts = _AutoOptions()
        _check(_auto_init(byref(self._opts), 1))
        self._opts.seed = 0 if seed is None else seed
        self._opts.gp_max_trials = gp_max_trials

    def _new(self):
        p = _P()
        _check(_sampler_auto(byref(p), byref(self._opts)))
        return p


def _pct_options(n_startup_trials, n_warmup_steps, interval_steps, n_min_trials):
    o = _PercentileOptions()
    _check(_pct_init(byref(o), 1))
    o.n_startup_trials, o.n_warmup_steps = n_startup_trials, n_warmup_steps
    o.interval_steps, o.n_min_trials = interval_steps, n_min_trials
    return o


class MedianPruner(BasePruner):
    def __init__(self, n_startup_trials=5, n_warmup_steps=0, interval_steps=1, n_min_trials=1):
        self._o = _pct_options(n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)

    def _new(self):
        p = _P()
        _check(_pruner_median(byref(p), byref(self._o)))
        return p


class PercentilePruner(BasePruner):
    def __init__(self, percentile, n_startup_trials=5, n_warmup_steps=0, interval_steps=1,
                 n_min_trials=1):
        self._pct = percentile
        self._o = _pct_options(n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)

    def _new(self):
        p = _P()
        _check(_pruner_pct(byref(p), self._pct, byref(self._o)))
        return p


class NopPruner(BasePruner):
    def _new(self):
        p = _P()
        _check(_pruner_nop(byref(p)))
        return p


# ---- trials ------------------------------------------------------------------------------


def _to_datetime(ts):
    import datetime
    return None if ts is None or ts != ts else datetime.datetime.fromtimestamp(ts)


class FrozenTrial:
    """A trial as stored (Optuna's FrozenTrial): number, state, value(s), params,
    distributions, intermediate values, attributes and times (datetime or None)."""

    def __init__(self, number, state, value, datetime_start, datetime_complete, params,
                 distributions, user_attrs, system_attrs, intermediate_values, trial_id,
                 *, values=None):
        if value is not None and values is not None:
            raise ValueError("Specify only one of `value` and `values`.")
        self.number = number
        self.state = TrialState(state)
        self.values = [value] if value is not None else (list(values) if values else None)
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self.params = dict(params)
        self.distributions = dict(distributions)
        self.user_attrs = dict(user_attrs)
        self.system_attrs = dict(system_attrs)
        self.intermediate_values = dict(intermediate_values)
        self._trial_id = trial_id

    @classmethod
    def _from_handle(cls, handle):
        from .distributions import json_to_distribution
        n = _ft_n_values(handle)
        params, dists = {}, {}
        for i in range(_ft_n_params(handle)):
            name = _ft_param_name(handle, i)
            v = _Value()
            _check(_ft_param(handle, name, byref(v)))
            key = name.decode("utf-8")
            params[key] = _from_value(v)
            text = c_void_p()
            _check(_dist_to_json(_ft_param_dist(handle, i), byref(text)))
            try:
                dists[key] = json_to_distribution(ctypes.string_at(text.value).decode("utf-8"))
            finally:
                _free(text)
        inter = {}
        for i in range(_ft_n_inter(handle)):
            step, value = c_int64(), c_double()
            _check(_ft_inter(handle, i, byref(step), byref(value)))
            inter[step.value] = value.value
        user = {}
        for i in range(_ft_n_attrs(handle)):
            key = _ft_attr_key(handle, i)
            user[key.decode("utf-8")] = json.loads(_ft_attr(handle, key))
        system = {}
        for i in range(_ft_n_sys(handle)):
            key = _ft_sys_key(handle, i)
            system[key.decode("utf-8")] = json.loads(_ft_sys(handle, key))
        return cls(_ft_number(handle), _ft_state(handle), None,
                   _to_datetime(_ft_start(handle)), _to_datetime(_ft_complete(handle)), params,
                   dists, user, system, inter, _ft_id(handle),
                   values=[_ft_value(handle, i) for i in range(n)] if n else None)

    @property
    def value(self):
        if self.values is not None and len(self.values) > 1:
            raise RuntimeError("This attribute is not available during multi-objective "
                               "optimization.")
        return self.values[0] if self.values else None

    @value.setter
    def value(self, v):
        self.values = None if v is None else [v]

    @property
    def duration(self):
        if self.datetime_start is not None and self.datetime_complete is not None:
            return self.datetime_complete - self.datetime_start
        return None

    @property
    def last_step(self):
        return max(self.intermediate_values) if self.intermediate_values else None

    def report(self, value, step):
        """Nothing is stored: a FrozenTrial stands in for a Trial (Optuna's behaviour)."""

    def should_prune(self):
        return False

    def set_user_attr(self, key, value):
        self.user_attrs[key] = value

    def suggest_float(self, name, low, high, *, step=None, log=False):
        return self._fixed(name)

    def suggest_int(self, name, low, high, *, step=1, log=False):
        return int(self._fixed(name))

    def suggest_categorical(self, name, choices):
        return self._fixed(name)

    def _fixed(self, name):
        if name not in self.params:
            raise ValueError(f"The value of the parameter '{name}' is not found. Please set "
                             "it at the construction of the FrozenTrial object.")
        return self.params[name]

    def __eq__(self, other):
        return isinstance(other, FrozenTrial) and self.__dict__ == other.__dict__

    def __lt__(self, other):
        return self.number < other.number

    def __hash__(self):
        return hash((self.number, self._trial_id))

    def __repr__(self):
        return (f"FrozenTrial(number={self.number}, state={self.state!r}, "
                f"values={self.values}, datetime_start={self.datetime_start!r}, "
                f"datetime_complete={self.datetime_complete!r}, params={self.params}, "
                f"user_attrs={self.user_attrs}, system_attrs={self.system_attrs}, "
                f"intermediate_values={self.intermediate_values}, "
                f"distributions={self.distributions}, trial_id={self._trial_id}, "
                f"value=None)")


class Trial:
    """A running trial: define the search space by asking for values."""

    def __init__(self, study, handle):
        self.study = study
        self._h = handle
        self.number = _trial_number(handle)

    @property
    def params(self):
        """The parameters suggested so far (a snapshot from storage)."""
        return self.study._snapshot(self).params

    def suggest_float(self, name, low, high, *, step=None, log=False):
        out = c_double()
        _check(_suggest_float(self._h, _b(name), float(low), float(high),
                              0.0 if step is None else float(step), bool(log), byref(out)))
        return out.value

    def suggest_int(self, name, low, high, *, step=1, log=False):
        out = c_int64()
        _check(_suggest_int(self._h, _b(name), int(low), int(high), int(step), bool(log),
                            byref(out)))
        return out.value

    def suggest_categorical(self, name, choices):
        choices = list(choices)
        keep = []
        arr = (_Value * max(1, len(choices)))(*[_to_value(c, keep) for c in choices])
        index = c_size_t()
        _check(_suggest_cat(self._h, _b(name), arr, len(choices), byref(index)))
        return choices[index.value]

    def suggest_uniform(self, name, low, high):
        _deprecated("suggest_uniform", "suggest_float(name, low, high)")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name, low, high):
        _deprecated("suggest_loguniform", "suggest_float(name, low, high, log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name, low, high, q):
        _deprecated("suggest_discrete_uniform", "suggest_float(name, low, high, step=q)")
        return self.suggest_float(name, low, high, step=q)

    @property
    def distributions(self):
        return self.study._snapshot(self).distributions

    @property
    def user_attrs(self):
        return self.study._snapshot(self).user_attrs

    @property
    def system_attrs(self):
        return self.study._snapshot(self).system_attrs

    @property
    def datetime_start(self):
        return self.study._snapshot(self).datetime_start

    @property
    def relative_params(self):
        return {}

    def report(self, value, step):
        _check(_report(self._h, float(value), int(step)))

    def should_prune(self):
        out = c_bool()
        _check(_should_prune(self._h, byref(out)))
        return out.value

    def set_user_attr(self, key, value):
        _check(_trial_set_attr(self._h, _b(key), _b(json.dumps(value))))

    def set_constraint(self, name, value):
        """Optuna 5.0's trial.set_constraint: feasible when value <= 0; the first
        value of a name stands. GPSampler and NSGAIISampler use them."""
        _check(_trial_set_constraint(self._h, _b(name), float(value)))

    def _release(self):
        if self._h:
            _trial_free(self._h)
            self._h = None

    def __del__(self):
        self._release()


def _suggest_distribution(trial, name, dist):
    """Suggest name from an hpo.distributions object (ask's fixed_distributions)."""
    from .distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    raise ValueError(f"unknown distribution {dist!r}")


class _ProgressBar:
    """A one-line progress bar on a terminal (stderr), silent otherwise."""

    def __init__(self, n_trials, timeout):
        import sys
        import time
        self._out = sys.stderr
        self._tty = self._out.isatty()
        self._n, self._timeout, self._t0, self._done = n_trials, timeout, time.monotonic(), 0

    def update(self, study):
        import time
        self._done += 1
        if not self._tty:
            return
        secs = time.monotonic() - self._t0
        total = self._n if self._n else None
        frac = self._done / total if total else min(1.0, secs / self._timeout)
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        try:
            best = f" best {study.best_value:.6g}" if len(study.directions) == 1 else ""
        except (ValueError, RuntimeError):
            best = ""
        count = f"{self._done}/{total}" if total else f"{self._done}"
        self._out.write(f"\r[{bar}] {count} trials, {secs:.1f}s{best}  ")
        self._out.flush()

    def close(self):
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def _deprecated(old, new):
    import warnings
    warnings.warn(f"{old} has been deprecated in v3.0.0. This feature will be removed in "
                  f"v6.0.0. Use {new} instead.", FutureWarning, stacklevel=3)


# ---- studies -----------------------------------------------------------------------------


class Study:
    """A study on a storage URL (None: in memory). Build with create_study/load_study."""

    def __init__(self, storage_handle, study_handle, storage_url):
        self._c_storage = storage_handle
        self._h = study_handle
        self._url = storage_url
        self._stop = False

    @property
    def study_name(self):
        return _study_name(self._h).decode("utf-8")

    @property
    def directions(self):
        return [StudyDirection(_study_direction(self._h, i)) for i in range(_study_n_obj(self._h))]

    @property
    def direction(self):
        dirs = self.directions
        if len(dirs) > 1:
            raise RuntimeError("this study has several objectives: use .directions")
        return dirs[0]

    def _set_sampler(self, sampler):
        _check(_study_set_sampler(self._h, sampler._new()))
        self._constraints_func = getattr(sampler, "_constraints_func", None)
        self._sampler = sampler

    @property
    def sampler(self):
        """The sampler object (the default: an AutoSampler with the study's seed)."""
        if getattr(self, "_sampler", None) is None:
            self._sampler = AutoSampler(seed=getattr(self, "_seed", 0))
        return self._sampler

    @sampler.setter
    def sampler(self, sampler):
        self._set_sampler(sampler)

    @property
    def pruner(self):
        if getattr(self, "_pruner", None) is None:
            self._pruner = MedianPruner()
        return self._pruner

    @pruner.setter
    def pruner(self, pruner):
        self._set_pruner(pruner)

    def _store_constraints(self, trial, state, vals):
        """Optuna's constraints_func: called on the finished trial (values set) just
        before it is stored; the result goes to the "constraints" system attribute."""
        func = getattr(self, "_constraints_func", None)
        if func is None or state not in (TrialState.COMPLETE, TrialState.PRUNED):
            return
        frozen = self._trial_by_number(trial.number)
        frozen.values = list(vals) or None
        frozen.state = TrialState(state)
        cons = [float(c) for c in func(frozen)]
        arr = (c_double * max(1, len(cons)))(*cons)
        _check(_trial_set_constraints(trial._h, arr, len(cons)))

    def _set_pruner(self, pruner):
        _check(_study_set_pruner(self._h, pruner._new()))
        self._pruner = pruner

    def ask(self, fixed_distributions=None):
        """A new trial (the oldest enqueued one first). fixed_distributions
        {name: distribution} are suggested at once, as Optuna's ask does."""
        p = _P()
        _check(_study_ask(self._h, byref(p)))
        trial = Trial(self, p)
        self._apply_enqueued_attrs(trial)
        for name, dist in (fixed_distributions or {}).items():
            _suggest_distribution(trial, name, dist)
        return trial

    def tell(self, trial, values=None, state=None, skip_if_finished=False):
        """Finish a trial (a Trial or its number): values (a number or a sequence) for
        COMPLETE, or state PRUNED/FAIL. Returns the FrozenTrial, as Optuna 5 does."""
        if state is None:
            state = TrialState.COMPLETE if values is not None else TrialState.FAIL
        if isinstance(state, str):
            state = TrialState[state.upper()]
        state = TrialState(state)
        vals = [] if values is None else (
            [float(values)] if isinstance(values, (int, float)) else [float(v) for v in values])
        arr = (c_double * max(1, len(vals)))(*vals)
        number = trial if isinstance(trial, int) else trial.number
        if skip_if_finished and self._trial_by_number(number).state.is_finished():
            if isinstance(trial, Trial):
                trial._release()
            return self._trial_by_number(number)
        try:
            if isinstance(trial, Trial):
                self._store_constraints(trial, state, vals)
                _check(_study_tell(self._h, trial._h, int(state), arr if vals else None,
                                   len(vals)))
            else:
                _check(_study_tell_number(self._h, int(number), int(state),
                                          arr if vals else None, len(vals)))
        finally:
            if isinstance(trial, Trial):
                trial._release()
        frozen = self._trial_by_number(number)
        self._log_finished(frozen)
        return frozen

    def _log_finished(self, frozen):
        from . import logging as hlog
        log = hlog.get_logger("hpo.study")
        if not log.isEnabledFor(hlog.INFO if frozen.state != TrialState.FAIL else hlog.WARNING):
            return
        if frozen.state == TrialState.PRUNED:
            log.info(f"Trial {frozen.number} pruned. ")
            return
        if frozen.state == TrialState.FAIL:
            log.warning(f"Trial {frozen.number} failed with parameters: {frozen.params} "
                        f"because of the following error: the value or state reported.")
            return
        if len(self.directions) > 1:
            log.info(f"Trial {frozen.number} finished with values: {frozen.values} and "
                     f"parameters: {frozen.params}.")
            return
        try:
            best = self.best_trial
            tail = f" Best is trial {best.number} with value: {best.value}."
        except ValueError:
            tail = ""
        log.info(f"Trial {frozen.number} finished with value: {frozen.value} and parameters: "
                 f"{frozen.params}.{tail}")

    def _apply_enqueued_attrs(self, trial):
        pending = getattr(self, "_enqueued_attrs", None)
        if not pending:
            return
        fixed = self._snapshot(trial).system_attrs.get("fixed_params")
        for i, (params, attrs) in enumerate(pending):
            if fixed == params:
                for k, v in attrs.items():
                    trial.set_user_attr(k, v)
                del pending[i]
                return

    def optimize(self, func, n_trials=None, timeout=None, n_jobs=1, catch=(), callbacks=None,
                 gc_after_trial=False, show_progress_bar=False):
        """Run func(trial) -> value(s) until n_trials or timeout (seconds), on n_jobs
        threads (-1: one per CPU; the library releases the GIL). An exception
        fails the trial and propagates unless it is one of catch; TrialPruned
        prunes it. Each callback(study, frozen_trial) runs after a trial ends;
        study.stop() from one ends the loop."""
        import threading
        import time
        if isinstance(catch, type):
            catch = (catch,)
        catch = tuple(catch)
        bar = _ProgressBar(n_trials, timeout) if show_progress_bar else None
        deadline = None if timeout is None else time.monotonic() + timeout
        lock = threading.Lock()
        state = {"started": 0, "error": None}
        self._stop = False

        def claim():
            with lock:
                if self._stop or state["error"] is not None:
                    return False
                if n_trials is not None and state["started"] >= n_trials:
                    return False
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                state["started"] += 1
                return True

        def worker():
            while claim():
                try:
                    self._run_trial(func, catch, callbacks)
                    if gc_after_trial:
                        import gc
                        gc.collect()
                    if bar is not None:
                        bar.update(self)
                except BaseException as e:  # re-raised by optimize on its thread
                    with lock:
                        state["error"] = state["error"] or e

        n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else max(1, int(n_jobs))
        if n_jobs == 1:
            worker()
        else:
            threads = [threading.Thread(target=worker) for _ in range(n_jobs)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        if bar is not None:
            bar.close()
        if state["error"] is not None:
            raise state["error"]

    def _run_trial(self, func, catch, callbacks):
        try:
            trial = self.ask()
        except HpoError as e:
            # A grid sampler past its last point: the end, as Optuna's study.stop().
            if e.status == ESTATE and _study_trial_limit(self._h) >= 0:
                self._stop = True
                return
            raise
        number = trial.number
        try:
            result = func(trial)
        except TrialPruned:
            self.tell(trial, state=TrialState.PRUNED)
        except Exception as e:
            self.tell(trial, state=TrialState.FAIL)
            if not isinstance(e, tuple(catch)):
                raise
        else:
            self.tell(trial, result)
        if _study_stop_requested(self._h):  # e.g. brute force has tried everything
            self._stop = True
        for cb in callbacks or ():
            cb(self, self._trial_by_number(number))

    def stop(self):
        """End optimize after the running trials (as Optuna's study.stop)."""
        self._stop = True

    def _snapshot(self, trial):
        return self._trial_by_number(trial.number)

    def _trial_by_number(self, number):
        p = _P()
        _check(_study_trial(self._h, number, byref(p)))
        try:
            return FrozenTrial._from_handle(p)
        finally:
            _ft_free(p)

    def enqueue_trial(self, params, user_attrs=None, skip_if_exists=False):
        """Optuna's enqueue_trial: the next ask takes these values first. user_attrs are
        set on that trial when this process asks it; skip_if_exists skips params that an
        existing trial (enqueued or run) already has."""
        if skip_if_exists and any(t.params == params or
                                  t.system_attrs.get("fixed_params") == params
                                  for t in self.trials):
            return
        self._enqueue(params)
        if user_attrs:
            if not hasattr(self, "_enqueued_attrs"):
                self._enqueued_attrs = []
            self._enqueued_attrs.append((json.loads(json.dumps(params)), dict(user_attrs)))

    def add_trial(self, trial):
        """Store a finished FrozenTrial (e.g. from create_trial): its params with their
        distributions, intermediate values, user attributes, state and values."""
        state = TrialState(trial.state)
        if state == TrialState.WAITING:
            self._enqueue(trial.params)
            return
        if state == TrialState.RUNNING:
            raise ValueError("add_trial: a RUNNING trial cannot be added")
        self._enqueue(trial.params)
        t = self.ask()
        try:
            for name, dist in trial.distributions.items():
                _suggest_distribution(t, name, dist)
            for step in sorted(trial.intermediate_values):
                t.report(trial.intermediate_values[step], step)
            for k, v in trial.user_attrs.items():
                t.set_user_attr(k, v)
        except BaseException:
            self.tell(t, state=TrialState.FAIL)
            raise
        self.tell(t, trial.values if state == TrialState.COMPLETE else None, state=state)

    def add_trials(self, trials):
        for t in trials:
            self.add_trial(t)

    @property
    def user_attrs(self):
        return self._attrs(False)

    @property
    def system_attrs(self):
        return self._attrs(True)

    def _attrs(self, system):
        out = c_void_p()
        _check(_study_attrs_json(self._h, system, byref(out)))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            _free(out)

    def set_system_attr(self, key, value):
        _check(_study_set_sys_attr(self._h, _b(key), _b(json.dumps(value))))

    def set_metric_names(self, metric_names):
        if len(metric_names) != len(self.directions):
            raise ValueError("The number of objectives must match the length of the metric "
                             "names.")
        self.set_system_attr("study:metric_names", list(metric_names))

    @property
    def metric_names(self):
        return self.system_attrs.get("study:metric_names")

    def trials_dataframe(self, attrs=("number", "value", "datetime_start", "datetime_complete",
                                      "duration", "params", "user_attrs", "system_attrs",
                                      "state"), multi_index=False):
        from ._dataframe import trials_dataframe
        return trials_dataframe(self, attrs=attrs, multi_index=multi_index)

    def _enqueue(self, params):
        names = list(params)
        keep = []
        name_arr = (c_char_p * max(1, len(names)))(*[_b(n) for n in names])
        vals = (_Value * max(1, len(names)))(*[_to_value(params[n], keep) for n in names])
        _check(_study_enqueue(self._h, name_arr, vals, len(names)))

    def get_trials(self, deepcopy=True, states=None):
        """Trials in the given states (all by default), ordered by number. Every call
        builds fresh objects, so deepcopy makes no difference."""
        mask = 0x1F if states is None else sum(
            1 << int(TrialState[s.upper()] if isinstance(s, str) else s) for s in states)
        arr, n = POINTER(_P)(), c_size_t()
        _check(_study_trials(self._h, mask, byref(arr), byref(n)))
        try:
            return [FrozenTrial._from_handle(arr[i]) for i in range(n.value)]
        finally:
            _fts_free(arr, n.value)

    @property
    def trials(self):
        return self.get_trials()

    @property
    def best_trial(self):
        p = _P()
        if len(self.directions) > 1:
            raise RuntimeError("A single best trial cannot be retrieved from a multi-objective"
                               " study. Consider using Study.best_trials.")
        rc = _study_best(self._h, byref(p))
        if rc == ENOTFOUND:
            raise ValueError("No trials are completed yet.")
        _check(rc)
        try:
            return FrozenTrial._from_handle(p)
        finally:
            _ft_free(p)

    @property
    def best_trials(self):
        """The Pareto front of the COMPLETE trials (every objective's direction honoured)."""
        dirs = self.directions
        done = self.get_trials([TrialState.COMPLETE])
        sign = [-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in dirs]

        def loss(t):
            return [s * v for s, v in zip(sign, t.values)]

        def dominates(a, b):
            return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

        losses = [loss(t) for t in done]
        return [t for t, lt in zip(done, losses) if not any(dominates(o, lt) for o in losses)]

    @property
    def best_value(self):
        return self.best_trial.value

    @property
    def best_params(self):
        return self.best_trial.params

    def set_user_attr(self, key, value):
        _check(_study_set_attr(self._h, _b(key), _b(json.dumps(value))))

    def user_attr(self, key):
        out = c_void_p()
        _check(_study_get_attr(self._h, _b(key), byref(out)))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            _free(out)

    def close(self):
        if self._h:
            _study_free(self._h)
            self._h = None
        if self._c_storage:
            if getattr(self, "_owns_storage", True):
                _storage_free(self._c_storage)
            self._c_storage = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _open_storage(storage):
    """A C storage for a URL, None (in memory) or an hpo.storages object."""
    shared = getattr(storage, "_shared_handle", None)
    if shared is not None:
        return shared()  # an InMemoryStorage: one C storage for every study using it
    p = _P()
    url = getattr(storage, "url", storage)
    _check(_storage_open(byref(p), None if url is None else _b(url)))
    beat = getattr(storage, "heartbeat", None)
    if beat is not None:
        rc = _storage_set_heartbeat(p, *beat)
        if rc != OK:
            _storage_free(p)
            _check(rc)
    return p


def _make(storage, open_fn, sampler, pruner):
    st = _open_storage(storage)
    sp = _P()
    try:
        open_fn(st, sp)
    except BaseException:
        if getattr(storage, "_shared_handle", None) is None:
            _storage_free(st)
        raise
    study = Study(st, sp, getattr(storage, "url", storage))
    study._owns_storage = getattr(storage, "_shared_handle", None) is None
    study._storage_obj = storage  # an InMemoryStorage must outlive its studies
    if sampler is not None:
        study._set_sampler(sampler)
    if pruner is not None:
        study._set_pruner(pruner)
    return study


def create_study(*, storage=None, sampler=None, pruner=None, study_name=None, direction=None,
                 load_if_exists=False, directions=None, seed=0):
    """Optuna's create_study; libhpo's auto sampler (seeded by seed) and the median
    pruner unless given. storage: None (memory), a URL or an hpo.storages object."""
    if direction is not None and directions is not None:
        raise ValueError("give direction or directions, not both")
    dirs = [_direction(d) for d in (directions or [direction or "minimize"])]
    arr = (c_int * len(dirs))(*dirs)
    opts = _StudyOptions(1, bool(load_if_exists), seed)

    def open_fn(st, sp):
        _check(_study_create(byref(sp), st, None if study_name is None else _b(study_name),
                             arr, len(dirs), byref(opts)))
    return _make(storage, open_fn, sampler, pruner)


def load_study(*, study_name, storage, sampler=None, pruner=None):
    def open_fn(st, sp):
        _check(_study_load(byref(sp), st, _b(study_name), None))
    return _make(storage, open_fn, sampler, pruner)


def delete_study(*, study_name, storage):
    st = _open_storage(storage)
    try:
        _check(_study_delete(st, _b(study_name)))
    finally:
        if getattr(storage, "_shared_handle", None) is None:
            _storage_free(st)
