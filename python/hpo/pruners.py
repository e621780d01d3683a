"""Optuna's optuna.pruners over libhpo's pruners."""
from ._core import BasePruner, MedianPruner, NopPruner, PercentilePruner  # noqa: F401
from ._pruners_mf import HyperbandPruner, SuccessiveHalvingPruner  # noqa: F401
from ._pruners_more import PatientPruner, ThresholdPruner, WilcoxonPruner  # noqa: F401


__all__ = ["BasePruner", "HyperbandPruner", "MedianPruner", "NopPruner", "PatientPruner",
           "PercentilePruner", "SuccessiveHalvingPruner", "ThresholdPruner", "WilcoxonPruner"]
