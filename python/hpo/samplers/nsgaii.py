"""Optuna's optuna.samplers.nsgaii crossovers (libhpo's defaults for their parameters)."""
from .._core import (  # noqa: F401
    BLXAlphaCrossover, SBXCrossover, SPXCrossover, UNDXCrossover, UniformCrossover,
    VSBXCrossover, _Crossover as BaseCrossover)

__all__ = ["BaseCrossover", "BLXAlphaCrossover", "SBXCrossover", "SPXCrossover",
           "UNDXCrossover", "UniformCrossover", "VSBXCrossover"]
