"""test_viz_importance.py - hpo.visualization, hpo.importance and trials_dataframe, TAP output.

Run with HPO_LIBRARY and PYTHONPATH set (as test_binding.py). Covers every plot
on small single- and multi-objective studies (well-formed SVG, Figure's
writers), the arguments hpo cannot honour (clear ValueError), importances
(keys, order, normalisation, evaluators, targets) and the trials DataFrame
(skipped when pandas is not importable).
"""
import os
import sys
import tempfile
import xml.dom.minidom

import tap  # tests/python/tap.py: the shared TAP runner

import hpo
import hpo.importance as imp
import hpo.visualization as vis

try:
    hpo.logging.set_verbosity(hpo.logging.WARNING)
except AttributeError:
    pass

try:
    import pandas  # noqa: F401  (only whether it imports)
    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False


Skip = tap.Skip


def single_study():
    study = hpo.create_study(sampler=hpo.RandomSampler(seed=7))

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        n = trial.suggest_int("n", 0, 10)
        c = trial.suggest_categorical("c", ["a", "b"])
        for step in range(3):
            trial.report(x * x + step, step)
        trial.set_user_attr("tag", "run")
        return x * x + 0.1 * n + (1.0 if c == "b" else 0.0)

    study.optimize(objective, n_trials=24)
    return study


def multi_study(n_objectives=2):
    study = hpo.create_study(directions=["minimize", "maximize", "minimize"][:n_objectives],
                             sampler=hpo.RandomSampler(seed=3))

    def objective(trial):
        a = trial.suggest_float("a", 0, 1)
        b = trial.suggest_float("b", 0, 1)
        vals = (a * a, b + 0.1 * a, a + b)
        return vals[:n_objectives]

    study.optimize(objective, n_trials=20)
    return study


_SINGLE = None
_MULTI = None


def s1():
    global _SINGLE
    if _SINGLE is None:
        _SINGLE = single_study()
    return _SINGLE


def s2():
    global _MULTI
    if _MULTI is None:
        _MULTI = multi_study()
    return _MULTI


def check_svg(fig, title=None):
    assert isinstance(fig, vis.Figure), type(fig)
    svg = fig.to_svg()
    assert svg.startswith("<svg") or svg.startswith("<?xml"), svg[:40]
    xml.dom.minidom.parseString(svg.encode("utf-8"))  # well-formed
    assert fig._repr_svg_() == svg
    assert svg in fig._repr_html_()
    if title is not None:
        assert f"<title>{title}" in svg, svg[:400]
    return svg


def raises(exc, fn, *args, contains=None, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        if contains is not None:
            assert contains in str(e), f"{contains!r} not in {str(e)!r}"
        return e
    raise AssertionError(f"{fn.__name__} did not raise {exc.__name__}")


# ---- plots ---------------------------------------------------------------------------------


def test_is_available():
    assert vis.is_available() is True


def test_every_plot_single_objective():
    study = s1()
    check_svg(vis.plot_optimization_history(study), "Optimization History")
    check_svg(vis.plot_intermediate_values(study), "Intermediate Values")
    check_svg(vis.plot_param_importances(study), "Hyperparameter Importances")
    check_svg(vis.plot_parallel_coordinate(study), "Parallel Coordinate")
    check_svg(vis.plot_slice(study), "Slice")
    check_svg(vis.plot_contour(study), "Contour")
    check_svg(vis.plot_edf(study), "Empirical Distribution")
    check_svg(vis.plot_timeline(study), "Timeline")


def test_every_plot_multi_objective():
    study = s2()
    t0 = dict(target=lambda t: t.values[0])
    check_svg(vis.plot_optimization_history(study, **t0))
    check_svg(vis.plot_intermediate_values(study))
    svg = check_svg(vis.plot_param_importances(study), "Hyperparameter Importances")
    assert "Objective Value 0" in svg and "Objective Value 1" in svg  # a panel per objective
    check_svg(vis.plot_param_importances(study, target=lambda t: t.values[0]))
    check_svg(vis.plot_parallel_coordinate(study, **t0))
    check_svg(vis.plot_slice(study, target=lambda t: t.values[1], target_name="acc"))
    check_svg(vis.plot_contour(study, **t0))
    check_svg(vis.plot_edf(study, **t0))
    check_svg(vis.plot_timeline(study))
    check_svg(vis.plot_pareto_front(study), "Pareto")


def test_plot_options_honoured():
    study = s1()
    svg = check_svg(vis.plot_slice(study, params=["x"]))
    assert ">n</text>" not in svg and ">x</text>" in svg
    svg = check_svg(vis.plot_optimization_history(study, target_name="loss <&>"))
    assert "loss &lt;&amp;&gt;" in svg and ">Objective Value</text>" not in svg
    svg = check_svg(vis.plot_contour(study, params=["x", "n"]))
    svg = check_svg(vis.plot_edf([study]))  # a sequence of one study
    svg = check_svg(vis.plot_optimization_history(study, width=400, height=300))
    assert 'width="400"' in svg and 'height="300"' in svg
    fan = check_svg(vis.plot_param_importances(study, imp.FanovaImportanceEvaluator(seed=2)))
    assert "fANOVA" in fan
    svg = check_svg(vis.plot_param_importances(study, params=["x", "n"]))
    assert ">c</text>" not in svg
    svg = check_svg(vis.plot_pareto_front(s2(), target_names=["loss", "acc"]))
    assert ">loss</text>" in svg and ">acc</text>" in svg
    check_svg(vis.plot_timeline(study, n_recent_trials=len(study.trials)))
    check_svg(vis.plot_pareto_front(multi_study(3), targets=lambda t: (t.values[0],
                                                                        t.values[1])))


def test_plot_same_trials_same_bytes():
    study = s1()
    assert vis.plot_slice(study).to_svg() == vis.plot_slice(study).to_svg()


def test_empty_study_plots():
    study = hpo.create_study()
    for fn in (vis.plot_optimization_history, vis.plot_intermediate_values,
               vis.plot_param_importances, vis.plot_parallel_coordinate, vis.plot_slice,
               vis.plot_contour, vis.plot_edf, vis.plot_timeline):
        check_svg(fn(study))


def test_plot_bad_arguments():
    study, multi = s1(), s2()
    raises(ValueError, vis.plot_optimization_history, [study, study], contains="one study")
    raises(ValueError, vis.plot_edf, [study, single_study()], contains="one study")
    raises(ValueError, vis.plot_optimization_history, study, error_bar=True, contains="error_bar")
    raises(ValueError, vis.plot_slice, study, target=lambda t: t.value * 2, contains="target")
    raises(ValueError, vis.plot_slice, study, target=lambda t: -t.value, contains="target")
    raises(ValueError, vis.plot_optimization_history, multi, contains="multi-objective")
    raises(ValueError, vis.plot_edf, multi, contains="target")
    raises(ValueError, vis.plot_contour, study, params=["x", "n", "c"], contains="two")
    raises(ValueError, vis.plot_slice, study, params=["nope"], contains="nope")
    raises(ValueError, vis.plot_pareto_front, study, contains="multi-objective")
    raises(ValueError, vis.plot_pareto_front, multi, include_dominated_trials=False,
           contains="include_dominated_trials")
    raises(ValueError, vis.plot_pareto_front, multi, constraints_func=lambda t: [0.0],
           contains="constraints_func")
    raises(ValueError, vis.plot_pareto_front, multi, targets=lambda t: (t.values[1], 0.0),
           contains="targets")
    raises(ValueError, vis.plot_pareto_front, multi_study(3), contains="2-D")
    raises(ValueError, vis.plot_pareto_front, multi, target_names=["a"], contains="2")
    raises(ValueError, vis.plot_timeline, study, n_recent_trials=0, contains="positive")
    raises(ValueError, vis.plot_timeline, study, n_recent_trials=3, contains="every trial")
    raises(ValueError, vis.plot_param_importances, study,
           imp.FanovaImportanceEvaluator(n_trees=8), contains="n_trees")
    raises(ValueError, vis.plot_param_importances, study,
           imp.PedAnovaImportanceEvaluator(target_quantile=0.2), contains="default")
    raises(NotImplementedError, vis.plot_param_importances, study,
           imp.MeanDecreaseImpurityImportanceEvaluator(), contains="mean-decrease-impurity")
    raises(ValueError, vis.plot_optimization_history, study, width=50, contains="200x150")
    raises(TypeError, vis.plot_slice, object())
    raises(NotImplementedError, vis.plot_rank, study, contains="not available")


def test_figure_writers():
    fig = vis.plot_optimization_history(s1())
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "h.svg")
        fig.write_image(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert text == fig.to_svg()
        xml.dom.minidom.parse(path)
        fig.write_image(os.path.join(d, "upper.SVG"), format="svg")
        for bad in ("h.png", "h.pdf", "h"):
            e = raises(ValueError, fig.write_image, os.path.join(d, bad), contains=".svg")
            assert not os.path.exists(os.path.join(d, bad)), e
        raises(ValueError, fig.write_image, os.path.join(d, "x.svg"), format="png",
               contains="svg")
        page = os.path.join(d, "h.html")
        fig.write_html(page)
        with open(page, encoding="utf-8") as f:
            html = f.read()
        assert html.startswith("<!DOCTYPE html>") and fig.to_svg() in html
        assert "<title>Optimization History</title>" in html


def test_figure_show_without_display():
    import contextlib
    import io
    fig = vis.plot_edf(s1())
    saved = {k: os.environ.pop(k, None) for k in ("DISPLAY", "WAYLAND_DISPLAY")}
    os.environ["HPO_NO_BROWSER"] = "1"
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            fig.show()
    finally:
        os.environ.pop("HPO_NO_BROWSER")
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v
    line = out.getvalue().strip()
    path = line.rsplit(" ", 1)[-1]
    assert path.endswith(".html") and os.path.exists(path), line
    with open(path, encoding="utf-8") as f:
        assert fig.to_svg() in f.read()
    os.remove(path)


# ---- importance ----------------------------------------------------------------------------


def check_importances(res, keys):
    assert isinstance(res, dict) and set(res) == set(keys), res
    vals = list(res.values())
    assert all(v >= 0 for v in vals), res
    assert vals == sorted(vals, reverse=True), res  # descending
    assert abs(sum(vals) - 1.0) < 1e-9, sum(vals)


def test_importance_default_pedanova():
    study = s1()
    res = imp.get_param_importances(study)
    check_importances(res, {"x", "n", "c"})
    assert next(iter(res)) == "x", res  # x dominates the objective
    assert res == imp.get_param_importances(study, evaluator=imp.PedAnovaImportanceEvaluator())
    assert res == imp.get_param_importances(study, target=lambda t: t.value)


def test_importance_fanova():
    study = s1()
    ev = imp.FanovaImportanceEvaluator(n_trees=16, max_depth=8, seed=1)
    res = imp.get_param_importances(study, evaluator=ev)
    check_importances(res, {"x", "n", "c"})
    assert next(iter(res)) == "x", res
    assert res == imp.get_param_importances(study, evaluator=ev)  # same seed, same result
    check_importances(imp.get_param_importances(study, evaluator=ev, params=["n", "x"]),
                      {"n", "x"})


def test_importance_params_and_edges():
    study = s1()
    check_importances(imp.get_param_importances(study, params=["c"]), {"c"})
    assert imp.get_param_importances(study, params=[]) == {}
    assert imp.get_param_importances(hpo.create_study()) == {}
    one = hpo.create_study()
    one.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    res = imp.get_param_importances(one)
    assert res == {"x": 1.0}, res


def test_importance_multi_objective():
    study = s2()
    check_importances(imp.get_param_importances(study), {"a", "b"})  # Pareto front, PED-ANOVA
    r0 = imp.get_param_importances(study, target=lambda t: t.values[0])
    check_importances(r0, {"a", "b"})
    assert next(iter(r0)) == "a", r0  # objective 0 is a*a
    # objective 1 is maximised: PED-ANOVA (lower-is-better targets) wants its negation
    check_importances(imp.get_param_importances(study, target=lambda t: -t.values[1]),
                      {"a", "b"})
    fan = imp.FanovaImportanceEvaluator(n_trees=16, seed=0)
    r1 = imp.get_param_importances(study, evaluator=fan, target=lambda t: t.values[1])
    assert next(iter(r1)) == "b", r1
    raises(ValueError, imp.get_param_importances, study, evaluator=fan,
           contains="specify the `target`")


def test_importance_bad_arguments():
    study = s1()
    raises(TypeError, imp.get_param_importances, study, evaluator=object())
    raises(ValueError, imp.get_param_importances, study, normalize=False, contains="normalis")
    raises(ValueError, imp.get_param_importances, study, params=["nope"], contains="nope")
    raises(TypeError, imp.get_param_importances, study, params="x")
    raises(ValueError, imp.get_param_importances, study,
           target=lambda t: t.duration.total_seconds(), contains="target")
    raises(ValueError, imp.get_param_importances, s2(), target=lambda t: t.values[1],
           contains="lower-is-better")
    raises(NotImplementedError, imp.get_param_importances, study,
           evaluator=imp.MeanDecreaseImpurityImportanceEvaluator(), contains="not available")
    raises(ValueError, imp.PedAnovaImportanceEvaluator, target_quantile=0.5, region_quantile=0.4)
    raises(ValueError, imp.FanovaImportanceEvaluator, n_trees=0)


# ---- trials_dataframe ----------------------------------------------------------------------


def dataframe(study, **kwargs):
    if not HAVE_PANDAS:
        raise Skip("pandas missing")
    from hpo._dataframe import trials_dataframe
    return trials_dataframe(study, **kwargs)


def test_dataframe_missing_pandas_message():
    if HAVE_PANDAS:
        raise Skip("pandas present")
    from hpo._dataframe import trials_dataframe
    raises(ImportError, trials_dataframe, s1(), contains="pip install pandas")


def test_dataframe_columns_single():
    import datetime
    study = s1()
    df = dataframe(study)
    assert list(df.columns) == ["number", "value", "datetime_start", "datetime_complete",
                                "duration", "params_c", "params_n", "params_x",
                                "user_attrs_tag", "state"], list(df.columns)
    assert len(df) == len(study.trials)
    assert list(df["number"]) == [t.number for t in study.trials]
    assert df["state"].iloc[0] == "COMPLETE"
    assert df["value"].iloc[3] == study.trials[3].value
    assert isinstance(df["datetime_start"].iloc[0], datetime.datetime)  # a pandas Timestamp
    assert isinstance(df["duration"].iloc[0], datetime.timedelta)  # a pandas Timedelta
    assert df["duration"].iloc[0].total_seconds() >= 0
    assert df["user_attrs_tag"].iloc[0] == "run"


def test_dataframe_multi_objective_and_options():
    study = s2()
    df = dataframe(study, attrs=("number", "value", "params"))
    assert list(df.columns) == ["number", "values_0", "values_1", "params_a", "params_b"], \
        list(df.columns)
    assert df["values_1"].iloc[2] == study.trials[2].values[1]
    mi = dataframe(study, attrs=("number", "values", "state"), multi_index=True)
    assert ("values", 0) in mi.columns and ("number", "") in mi.columns
    empty = dataframe(hpo.create_study())
    assert len(empty) == 0 and len(empty.columns) == 0
    pruned = hpo.create_study()
    t = pruned.ask()
    t.suggest_float("x", 0, 1)
    pruned.tell(t, state=hpo.TrialState.PRUNED)
    df = dataframe(pruned, attrs=("number", "value", "state", "duration"))
    assert df["state"].iloc[0] == "PRUNED" and df["value"].isna().iloc[0]


def main():
    return tap.run(globals())


if __name__ == "__main__":
    sys.exit(main())
