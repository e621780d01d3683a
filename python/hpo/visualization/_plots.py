"""Optuna's plot_* functions, each drawn by libhpo's hpo_plot_svg as one SVG document."""
from __future__ import annotations

import ctypes
import math
import re
from ctypes import POINTER, Structure, byref, c_char_p, c_double, c_int, c_size_t, c_uint, \
    c_uint64, c_void_p

from .. import _core
from .. import importance as _imp
from ._figure import Figure

_HISTORY, _INTERMEDIATE, _IMPORTANCE, _PARALLEL, _SLICE, _CONTOUR, _EDF, _TIMELINE, _PARETO = \
    range(9)
_KIND_NAMES = ("history", "intermediate", "importance", "parallel", "slice", "contour", "edf",
               "timeline", "pareto")


class _PlotOptions(Structure):
    """struct hpo_plot_options, version 1."""
    _fields_ = [("version", c_uint), ("width", c_uint), ("height", c_uint),
                ("objective", c_size_t), ("params", POINTER(c_char_p)), ("n_params", c_size_t),
                ("importance", c_int), ("seed", c_uint64), ("now", c_double),
                ("max_points", c_size_t)]


_options_init = _core._sig("hpo_plot_options_init", c_int, POINTER(_PlotOptions), c_uint)
_plot_svg = _core._sig("hpo_plot_svg", c_int, _core._P, c_int, POINTER(_PlotOptions),
                       POINTER(c_void_p), POINTER(c_size_t))

_DEFAULT_TARGET_NAME = "Objective Value"


def _one_study(study, fn):
    """The study argument: one hpo Study (a sequence of one is taken as it)."""
    if isinstance(study, (list, tuple)):
        if len(study) != 1:
            raise ValueError(f"{fn}: hpo plots one study at a time, got {len(study)} studies")
        study = study[0]
    if getattr(study, "_h", None) is None:
        raise TypeError(f"{fn}: expected an hpo Study, got {type(study).__name__}")
    return study


def _size(value, name):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int number of pixels")
    return value


def _render(study, kind, *, objective=0, params=None, importance=_imp._PEDANOVA, seed=0,
            width=None, height=None):
    opts = _PlotOptions()
    _core._check(_options_init(byref(opts), 1))
    opts.width, opts.height = _size(width, "width"), _size(height, "height")
    opts.objective = objective
    keep = []
    opts.params, opts.n_params = _imp._c_names(params, keep)
    if params is not None and not params:  # [] names no parameter: not "every parameter"
        opts.params = (c_char_p * 1)()
        keep.append(opts.params)
    opts.importance = importance
    opts.seed = seed
    out, n = c_void_p(), c_size_t()
    _core._check(_plot_svg(study._h, kind, byref(opts), byref(out), byref(n)))
    try:
        return ctypes.string_at(out.value, n.value).decode("utf-8")
    finally:
        _core._free(out)


def _esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _relabel(svg, old, new):
    """Replace the text content old (exact) of every <text> element by new."""
    if new == old:
        return svg
    return svg.replace(f">{_esc(old)}</text>", f">{_esc(new)}</text>")


def _objective_label(study, k):
    return _DEFAULT_TARGET_NAME if len(study.directions) == 1 else f"Objective {k}"


def _target_objective(study, target, fn):
    """The objective a plot draws: 0 for a single objective without target; a
    multi-objective study needs a target returning one objective (as Optuna)."""
    if target is None:
        if len(study.directions) > 1:
            raise ValueError(f"{fn}: If the `study` is being used for multi-objective "
                             "optimization, please specify the `target` (hpo: a target "
                             "returning one objective, e.g. target=lambda t: t.values[0]).")
        return 0
    return _imp._objective_of_target(study, target, signs=(1.0,))[0]


def _params(params):
    return _imp._param_names(params)


def _figure(study, kind, svg, objective, target_name):
    svg = _relabel(svg, _objective_label(study, objective), target_name)
    return Figure(svg, _KIND_NAMES[kind])


def _check_target_name(target_name):
    if not isinstance(target_name, str):
        raise TypeError("target_name must be a str")


# ---- the plots -----------------------------------------------------------------------------


def plot_optimization_history(study, *, target=None, target_name=_DEFAULT_TARGET_NAME,
                              error_bar=False, width=None, height=None):
    """Optuna's plot_optimization_history: each COMPLETE trial's value and the best
    so far. One study only; error_bar needs several studies, so it must stay False."""
    fn = "plot_optimization_history"
    study = _one_study(study, fn)
    if error_bar:
        raise ValueError(f"{fn}: error_bar needs several studies; hpo plots one study")
    _check_target_name(target_name)
    k = _target_objective(study, target, fn)
    svg = _render(study, _HISTORY, objective=k, width=width, height=height)
    return _figure(study, _HISTORY, svg, k, target_name)


def plot_intermediate_values(study, *, width=None, height=None):
    """Optuna's plot_intermediate_values: each trial's reported values by step."""
    study = _one_study(study, "plot_intermediate_values")
    return Figure(_render(study, _INTERMEDIATE, width=width, height=height), "intermediate")


def _evaluator_for_plot(evaluator, fn):
    """(hpo_importance_kind, seed) for a plot; the plot draws with the evaluator's default
    settings and a seed, so other settings cannot be honoured."""
    if evaluator is None:
        return _imp._PEDANOVA, 0
    if isinstance(evaluator, _imp.MeanDecreaseImpurityImportanceEvaluator):
        evaluator.evaluate(None)  # raises NotImplementedError with the explanation
    if isinstance(evaluator, _imp.PedAnovaImportanceEvaluator):
        if (evaluator.target_quantile, evaluator.region_quantile,
                evaluator.evaluate_on_local) != (0.1, 1.0, True):
            raise ValueError(f"{fn}: hpo draws PED-ANOVA importances with the default "
                             "target_quantile, region_quantile and evaluate_on_local only; "
                             "use hpo.importance.get_param_importances for other settings")
        return _imp._PEDANOVA, 0
    if isinstance(evaluator, _imp.FanovaImportanceEvaluator):
        if (evaluator.n_trees, evaluator.max_depth) != (64, 64):
            raise ValueError(f"{fn}: hpo draws fANOVA importances with n_trees=64 and "
                             "max_depth=64 only; use hpo.importance.get_param_importances "
                             "for other settings")
        seed = 0 if evaluator.seed is None else int(evaluator.seed) & ((1 << 64) - 1)
        return _imp._FANOVA, seed
    raise TypeError("evaluator must be one of hpo.importance's evaluators")


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _stack(svgs, labels, width):
    """One SVG document holding the given SVG documents one above the other, each
    under a caption (Optuna's one bar group per objective)."""
    cap = 22
    parts, y = [], 0
    for svg, label in zip(svgs, labels):
        m = _SVG_OPEN.search(svg)
        h = int(float(re.search(r'height="([\d.]+)"', m.group(0)).group(1)))
        w = int(float(re.search(r'width="([\d.]+)"', m.group(0)).group(1)))
        width = max(width, w)
        parts.append(f'<text x="12" y="{y + 16}" font-weight="bold">{_esc(label)}</text>\n')
        inner = svg[:m.end()].replace("<svg ", f'<svg x="0" y="{y + cap}" ', 1) + svg[m.end():]
        parts.append(inner if inner.endswith("\n") else inner + "\n")
        y += cap + h
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="hpo-plot hpo-importance" '
            f'width="{width}" height="{y}" viewBox="0 0 {width} {y}" '
            'font-family="DejaVu Sans, Arial, sans-serif" font-size="11">\n'
            "<title>Hyperparameter Importances</title>\n"
            f'<rect width="{width}" height="{y}" fill="#ffffff"/>\n')
    return head + "".join(parts) + "</svg>\n"


def plot_param_importances(study, evaluator=None, params=None, *, target=None,
                           target_name=_DEFAULT_TARGET_NAME, width=None, height=None):
    """Optuna's plot_param_importances: horizontal bars, most important on top.
    evaluator: None (PED-ANOVA) or an hpo.importance evaluator with its default settings
    (fANOVA's seed is honoured). A multi-objective study without target draws one
    panel per objective, as Optuna does."""
    fn = "plot_param_importances"
    study = _one_study(study, fn)
    _check_target_name(target_name)
    kind, seed = _evaluator_for_plot(evaluator, fn)
    params = _params(params)
    n_obj = len(study.directions)
    if target is None and n_obj > 1:
        svgs = [_render(study, _IMPORTANCE, objective=k, params=params, importance=kind,
                        seed=seed, width=width, height=height) for k in range(n_obj)]
        labels = [f"{target_name} {k}" for k in range(n_obj)]
        return Figure(_stack(svgs, labels, _size(width, "width") or 720), "importance")
    if target is None:
        k = 0
    else:
        k, sign = _imp._objective_of_target(study, target, signs=(1.0, -1.0))
        if kind == _imp._PEDANOVA:  # as get_param_importances: lower-is-better targets
            maximize = study.directions[k] == _core.StudyDirection.MAXIMIZE
            if (sign < 0) != maximize:
                want = f"-t.values[{k}]" if maximize else f"t.values[{k}]"
                raise ValueError(f"{fn}: PED-ANOVA takes a target as lower-is-better; hpo "
                                 f"scores objective {k} by its direction, so give "
                                 f"target=lambda t: {want}")
    svg = _render(study, _IMPORTANCE, objective=k, params=params, importance=kind, seed=seed,
                  width=width, height=height)
    return Figure(svg, "importance")


def plot_parallel_coordinate(study, params=None, *, target=None,
                             target_name=_DEFAULT_TARGET_NAME, width=None, height=None):
    """Optuna's plot_parallel_coordinate: one axis per parameter and the objective."""
    fn = "plot_parallel_coordinate"
    study = _one_study(study, fn)
    _check_target_name(target_name)
    k = _target_objective(study, target, fn)
    svg = _render(study, _PARALLEL, objective=k, params=_params(params), width=width,
                  height=height)
    svg = _relabel(svg, "Objective", target_name)  # the colour bar
    return _figure(study, _PARALLEL, svg, k, target_name)


def plot_slice(study, params=None, *, target=None, target_name=_DEFAULT_TARGET_NAME,
               width=None, height=None):
    """Optuna's plot_slice: the objective against each parameter."""
    fn = "plot_slice"
    study = _one_study(study, fn)
    _check_target_name(target_name)
    k = _target_objective(study, target, fn)
    svg = _render(study, _SLICE, objective=k, params=_params(params), width=width,
                  height=height)
    return _figure(study, _SLICE, svg, k, target_name)


def plot_contour(study, params=None, *, target=None, target_name=_DEFAULT_TARGET_NAME,
                 width=None, height=None):
    """Optuna's plot_contour for two parameters (None: the two most frequent). Optuna's
    matrix of contours for three or more parameters is not drawn by hpo."""
    fn = "plot_contour"
    study = _one_study(study, fn)
    _check_target_name(target_name)
    params = _params(params)
    if params is not None and len(params) > 2:
        raise ValueError(f"{fn}: hpo draws one contour of two parameters; got {len(params)} "
                         "(Optuna's matrix of contours is not supported): pass two names")
    k = _target_objective(study, target, fn)
    svg = _render(study, _CONTOUR, objective=k, params=params, width=width, height=height)
    svg = _relabel(svg, "Objective", target_name)  # the colour bar
    return _figure(study, _CONTOUR, svg, k, target_name)


def plot_edf(study, *, target=None, target_name=_DEFAULT_TARGET_NAME, width=None,
             height=None):
    """Optuna's plot_edf: the empirical distribution of the objective (one study)."""
    fn = "plot_edf"
    study = _one_study(study, fn)
    _check_target_name(target_name)
    k = _target_objective(study, target, fn)
    svg = _render(study, _EDF, objective=k, width=width, height=height)
    return _figure(study, _EDF, svg, k, target_name)


def plot_timeline(study, n_recent_trials=None, *, width=None, height=None):
    """Optuna's plot_timeline: a bar per trial from start to end, coloured by state.
    hpo draws every trial: n_recent_trials must be None or cover them all."""
    fn = "plot_timeline"
    study = _one_study(study, fn)
    if n_recent_trials is not None:
        if isinstance(n_recent_trials, bool) or not isinstance(n_recent_trials, int) \
                or n_recent_trials <= 0:
            raise ValueError("n_recent_trials must be a positive integer or None.")
        n = len(study.trials)
        if n_recent_trials < n:
            raise ValueError(f"{fn}: hpo draws every trial; n_recent_trials={n_recent_trials} "
                             f"is fewer than the study's {n} trials")
    return Figure(_render(study, _TIMELINE, width=width, height=height), "timeline")


def plot_pareto_front(study, *, target_names=None, include_dominated_trials=True,
                      constraints_func=None, targets=None, width=None, height=None):
    """Optuna's plot_pareto_front for two objectives: every COMPLETE trial, the front
    highlighted. Three objectives (Optuna's 3-D plot), dominated trials hidden and
    constraints_func are not supported; targets must return (values[0], values[1])."""
    fn = "plot_pareto_front"
    study = _one_study(study, fn)
    n_obj = len(study.directions)
    if n_obj < 2:
        raise ValueError(f"{fn}: the Pareto front needs a multi-objective study "
                         "(this one has 1 objective)")
    if not include_dominated_trials:
        raise ValueError(f"{fn}: include_dominated_trials=False is not supported by hpo "
                         "(it always draws the dominated trials)")
    if constraints_func is not None:
        raise ValueError(f"{fn}: constraints_func is not supported by hpo")
    if targets is not None:
        if not callable(targets):
            raise TypeError("targets must be a callable or None")
        trials = [t for t in study.get_trials([_core.TrialState.COMPLETE])
                  if t.values and all(math.isfinite(v) for v in t.values)]
        try:
            ok = all(list(map(float, targets(t))) == list(t.values[:2]) for t in trials)
        except Exception as e:
            raise ValueError(f"{fn}: targets raised {type(e).__name__}: {e}") from e
        if not ok:
            raise ValueError(f"{fn}: hpo draws objectives 0 and 1 in C and cannot evaluate a "
                             "Python targets function: only targets=lambda t: "
                             "(t.values[0], t.values[1]) is accepted")
    elif n_obj > 2:
        raise ValueError(f"{fn}: hpo draws 2-D Pareto fronts only; this study has {n_obj} "
                         "objectives: give targets=lambda t: (t.values[0], t.values[1])")
    if target_names is not None:
        target_names = list(target_names)
        if len(target_names) != 2:
            raise ValueError(f"{fn}: the number of target_names must be 2 (hpo draws two "
                             f"objectives), got {len(target_names)}")
    svg = _render(study, _PARETO, width=width, height=height)
    if target_names is not None:
        for k, name in enumerate(target_names):
            svg = _relabel(svg, f"Objective {k}", str(name))
    return Figure(svg, "pareto")


def _not_in_hpo(name):
    def plot(*args, **kwargs):
        raise NotImplementedError(f"{name} is not available in hpo (libhpo draws history, "
                                  "intermediate, importance, parallel, slice, contour, edf, "
                                  "timeline and pareto plots)")
    plot.__name__ = name
    plot.__doc__ = f"Optuna's {name}: not available in hpo (raises NotImplementedError)."
    return plot


plot_rank = _not_in_hpo("plot_rank")
plot_hypervolume_history = _not_in_hpo("plot_hypervolume_history")
plot_terminator_improvement = _not_in_hpo("plot_terminator_improvement")
