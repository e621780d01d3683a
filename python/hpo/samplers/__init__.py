"""Optuna's optuna.samplers over libhpo's samplers."""
from .._core import (  # noqa: F401
    BaseSampler,
    AutoSampler, BruteForceSampler, CmaEsSampler, GPSampler, GridSampler, NSGAIISampler,
    PartialFixedSampler, QMCSampler, RandomSampler, TPESampler)
from . import nsgaii  # noqa: F401


__all__ = ["BaseSampler", "AutoSampler", "BruteForceSampler", "CmaEsSampler", "GPSampler",
           "GridSampler", "NSGAIISampler", "PartialFixedSampler", "QMCSampler", "RandomSampler",
           "TPESampler", "nsgaii"]
