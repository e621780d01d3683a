"""hpo.visualization: Optuna's plot functions, drawn by libhpo as SVG (no plotly).

    fig = hpo.visualization.plot_optimization_history(study)
    fig.write_image("history.svg")   # or write_html("history.html"), or show()

Each plot_* function takes Optuna's arguments and returns a Figure holding one
standalone SVG document, shown inline by Jupyter. What libhpo cannot draw raises
ValueError naming the argument: several studies, a Python ``target`` other than
one objective (``target=lambda t: t.values[k]``), Optuna's contour matrix, 3-D
Pareto fronts. plot_rank, plot_hypervolume_history and
plot_terminator_improvement raise NotImplementedError.
"""
from ._figure import Figure
from ._plots import (plot_contour, plot_edf, plot_hypervolume_history,
                     plot_intermediate_values, plot_optimization_history,
                     plot_parallel_coordinate, plot_param_importances, plot_pareto_front,
                     plot_rank, plot_slice, plot_terminator_improvement, plot_timeline)

__all__ = [
    "Figure", "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinate",
    "plot_param_importances", "plot_pareto_front", "plot_rank", "plot_slice",
    "plot_terminator_improvement", "plot_timeline",
]


def is_available():
    """True: hpo's plots need only libhpo (Optuna's needs plotly)."""
    return True
