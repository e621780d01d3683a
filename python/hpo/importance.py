"""hpo.importance: Optuna's parameter importances, computed by libhpo (hpo_importance).

    importances = hpo.importance.get_param_importances(study)

PED-ANOVA is the default evaluator, as in Optuna 5.0; fANOVA is the other one
libhpo has. Both run in C on the study's COMPLETE trials, so a Python ``target``
callable cannot be evaluated there: a target is accepted only when it returns
one objective of every such trial (``target=lambda t: t.values[1]``, or its
negation where Optuna's meaning allows it), and anything else raises ValueError.
"""
from __future__ import annotations

import math
import warnings
from ctypes import (POINTER, Structure, byref, c_bool, c_char_p, c_double, c_int, c_size_t,
                    c_uint, c_uint64, sizeof)

from . import _core

__all__ = [
    "BaseImportanceEvaluator", "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator", "PedAnovaImportanceEvaluator",
    "get_param_importances",
]

_PEDANOVA, _FANOVA = 0, 1  # hpo_importance_kind
_ALL_OBJECTIVES = (1 << (8 * sizeof(c_size_t))) - 1  # HPO_IMPORTANCE_ALL_OBJECTIVES


class _ImportanceOptions(Structure):
    """struct hpo_importance_options, version 1."""
    _fields_ = [("version", c_uint), ("seed", c_uint64), ("n_trees", c_size_t),
                ("max_depth", c_size_t), ("target_quantile", c_double),
                ("region_quantile", c_double), ("evaluate_on_local", c_bool),
                ("objective", c_size_t), ("params", POINTER(c_char_p)), ("n_params", c_size_t),
                ("n_threads", c_int)]


_options_init = _core._sig("hpo_importance_options_init", c_int, POINTER(_ImportanceOptions),
                           c_uint)
_importance = _core._sig("hpo_importance", c_int, _core._P, c_int, POINTER(_ImportanceOptions),
                         POINTER(POINTER(c_char_p)), POINTER(POINTER(c_double)),
                         POINTER(c_size_t))


def _handle(study):
    h = getattr(study, "_h", None)
    if h is None:
        if isinstance(study, (list, tuple)):
            raise ValueError("give one hpo Study, not a sequence of studies")
        raise TypeError(f"expected an hpo Study, got {type(study).__name__}")
    return h


def _n_objectives(study):
    return len(study.directions)


def _param_names(params):
    """Optuna's checks on params; returns the list of names (None stays None)."""
    if params is None:
        return None
    if isinstance(params, str) or not hasattr(params, "__iter__"):
        raise TypeError("params must be a list of parameter names")
    params = list(params)
    for p in params:
        if not isinstance(p, str):
            raise TypeError(f"parameter names must be str, got {p!r}")
    return params


def _c_names(params, keep):
    """(pointer, count) for a const char *const * field; keep holds the buffers."""
    if not params:
        return None, 0
    data = [_core._b(p) for p in params]
    arr = (c_char_p * len(data))(*data)
    keep.extend([data, arr])
    return arr, len(data)


def _objective_of_target(study, target, *, signs=(1.0,)):
    """The (objective, sign) that target reproduces: target(t) == sign * t.values[k] on
    every COMPLETE trial with finite values. ValueError when it matches none, since
    libhpo evaluates in C and cannot call Python."""
    if not callable(target):
        raise TypeError("target must be a callable taking a FrozenTrial, or None")
    trials = [t for t in study.get_trials([_core.TrialState.COMPLETE])
              if t.values and all(math.isfinite(v) for v in t.values)]
    try:
        got = [target(t) for t in trials]
    except Exception as e:  # the target does not even run on these trials
        raise ValueError(f"target raised {type(e).__name__}: {e}") from e
    for k in range(_n_objectives(study)):
        for sign in signs:
            if all(isinstance(g, (int, float)) and float(g) == sign * t.values[k]
                   for g, t in zip(got, trials)):
                return k, sign
    forms = " or ".join(("t.values[k]" if s > 0 else "-t.values[k]") for s in signs)
    raise ValueError("hpo computes this in C and cannot evaluate a Python target: it accepts "
                     f"only a target that returns {forms} for one objective k "
                     "(e.g. target=lambda t: t.values[0]); this one returns something else")


class BaseImportanceEvaluator:
    """Optuna's BaseImportanceEvaluator. evaluate() returns importances that already
    sum to 1 (libhpo normalises), ordered by importance descending."""

    _kind = None

    def _fill(self, opts):
        pass

    def _check_target(self, study, target):
        """The objective index to score, or _ALL_OBJECTIVES."""
        raise NotImplementedError

    def evaluate(self, study, params=None, *, target=None):
        h = _handle(study)
        params = _param_names(params)
        if params is not None and len(params) == 0:
            return {}
        opts = _ImportanceOptions()
        _core._check(_options_init(byref(opts), 1))
        self._fill(opts)
        opts.objective = self._check_target(study, target)
        keep = []
        opts.params, opts.n_params = _c_names(params, keep)
        names, values, n = POINTER(c_char_p)(), POINTER(c_double)(), c_size_t()
        _core._check(_importance(h, self._kind, byref(opts), byref(names), byref(values),
                                 byref(n)))
        try:
            return {names[i].decode("utf-8"): float(values[i]) for i in range(n.value)}
        finally:
            _core._free(names)
            _core._free(values)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """Optuna's PedAnovaImportanceEvaluator (the default): target_quantile (0.1),
    region_quantile (1.0), evaluate_on_local (True). A multi-objective study without
    a target scores reaching the Pareto front (non-domination rank, HSSP ties).
    A target is lower-is-better, as in Optuna."""

    _kind = _PEDANOVA

    def __init__(self, *, target_quantile=0.1, region_quantile=1.0, evaluate_on_local=True):
        if not 0.0 < target_quantile < region_quantile <= 1.0:
            raise ValueError("condition 0.0 < `target_quantile` < `region_quantile` <= 1.0 "
                             f"must be satisfied (got {target_quantile}, {region_quantile})")
        if region_quantile != 1.0 and not evaluate_on_local:
            warnings.warn("If `evaluate_on_local` is False, `region_quantile` has no effect.")
        self.target_quantile = float(target_quantile)
        self.region_quantile = float(region_quantile)
        self.evaluate_on_local = bool(evaluate_on_local)

    def _fill(self, opts):
        opts.target_quantile = self.target_quantile
        opts.region_quantile = self.region_quantile
        opts.evaluate_on_local = self.evaluate_on_local

    def _check_target(self, study, target):
        if target is None:
            return 0 if _n_objectives(study) == 1 else _ALL_OBJECTIVES
        k, sign = _objective_of_target(study, target, signs=(1.0, -1.0))
        # Optuna ranks a target lower-is-better; libhpo ranks objective k by its direction.
        maximize = study.directions[k] == _core.StudyDirection.MAXIMIZE
        if (sign < 0) != maximize:
            want = "-t.values[%d]" % k if maximize else "t.values[%d]" % k
            raise ValueError(
                "PedAnovaImportanceEvaluator takes a target as lower-is-better; hpo can score "
                f"objective {k} only by its direction ({'maximize' if maximize else 'minimize'}),"
                f" so give target=lambda t: {want}")
        return k


class FanovaImportanceEvaluator(BaseImportanceEvaluator):
    """Optuna's FanovaImportanceEvaluator: n_trees (64), max_depth (64), seed (None: 0,
    so results repeat). A multi-objective study needs a target naming one objective."""

    _kind = _FANOVA

    def __init__(self, *, n_trees=64, max_depth=64, seed=None):
        if int(n_trees) < 1:
            raise ValueError(f"n_trees must be >= 1, got {n_trees}")
        if int(max_depth) < 1:
            raise ValueError(f"max_depth must be >= 1, got {max_depth}")
        self.n_trees = int(n_trees)
        self.max_depth = int(max_depth)
        self.seed = seed

    def _fill(self, opts):
        opts.n_trees = self.n_trees
        opts.max_depth = self.max_depth
        opts.seed = 0 if self.seed is None else int(self.seed) & ((1 << 64) - 1)

    def _check_target(self, study, target):
        if target is None:
            if _n_objectives(study) > 1:
                raise ValueError(
                    "If the `study` is being used for multi-objective optimization, please "
                    "specify the `target`. For example, use `target=lambda t: t.values[0]` "
                    "for the first objective value.")
            return 0
        return _objective_of_target(study, target, signs=(1.0, -1.0))[0]  # sign-blind


class MeanDecreaseImpurityImportanceEvaluator(BaseImportanceEvaluator):
    """Optuna's MeanDecreaseImpurityImportanceEvaluator: libhpo has no such evaluator,
    so evaluating with it raises NotImplementedError."""

    def __init__(self, *, n_trees=64, max_depth=64, seed=None):
        self.n_trees = n_trees
        self.max_depth = max_depth
        self.seed = seed

    def evaluate(self, study, params=None, *, target=None):
        raise NotImplementedError(
            "MeanDecreaseImpurityImportanceEvaluator is not available in hpo (libhpo has no "
            "mean-decrease-impurity evaluator): use PedAnovaImportanceEvaluator (the default) "
            "or FanovaImportanceEvaluator")


def get_param_importances(study, *, evaluator=None, params=None, target=None, normalize=True):
    """Optuna's get_param_importances: {name: importance} over the COMPLETE trials,
    ordered by importance descending and summing to 1 (equal shares when every
    score is 0). evaluator: PedAnovaImportanceEvaluator() by default, or
    FanovaImportanceEvaluator. params: names to score (None: PED-ANOVA every
    parameter any completed trial has, fANOVA those every one has; []: {}).
    target: None (the objective; a multi-objective study: PED-ANOVA scores the
    Pareto front, fANOVA needs a target), or a callable returning one objective
    (see the module's note). normalize=False is not supported: libhpo returns
    normalised importances only."""
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError("Evaluator must be a subclass of BaseImportanceEvaluator.")
    if not normalize:
        raise ValueError("normalize=False is not supported by hpo: libhpo returns importances "
                         "normalised to sum to 1")
    res = evaluator.evaluate(study, params=params, target=target)
    # libhpo normalises already; redo it so float rounding leaves an exact-ish sum of 1.
    s = sum(res.values())
    if res and s > 0:
        res = {k: v / s for k, v in res.items()}
    elif res:
        res = {k: 1.0 / len(res) for k in res}
    return res
