"""Optuna's optuna.exceptions."""
import warnings

from ._core import (DuplicatedStudyError, HpoError, OptunaError,  # noqa: F401
                    StorageInternalError, TrialPruned, UpdateFinishedTrialError)


class CLIUsageError(OptunaError):
    pass


class ExperimentalWarning(Warning):
    pass


__all__ = ["OptunaError", "TrialPruned", "CLIUsageError", "StorageInternalError",
           "DuplicatedStudyError", "UpdateFinishedTrialError", "ExperimentalWarning",
           "HpoError"]
_ = warnings
