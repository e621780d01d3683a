"""Optuna's optuna.logging: the library logs through the standard logging module
under the logger "hpo" (with a stderr handler of its own, like Optuna's "optuna"),
and each finished trial is logged at INFO as Optuna does::

    [I 2026-12-04 10:00:00,000] Trial 3 finished with value: 0.25 and parameters:
    {'x': 1.5}. Best is trial 3 with value: 0.25.
"""
import logging as _logging
import threading

from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING  # noqa: F401

__all__ = ["CRITICAL", "DEBUG", "ERROR", "FATAL", "INFO", "WARN", "WARNING", "get_logger",
           "get_verbosity", "set_verbosity", "disable_default_handler",
           "enable_default_handler", "disable_propagation", "enable_propagation"]

_lock = threading.Lock()
_handler = None


class _Formatter(_logging.Formatter):
    def format(self, record):
        record.level_initial = record.levelname[:1]
        return super().format(record)


def _root():
    return _logging.getLogger("hpo")


def _configure():
    global _handler
    with _lock:
        if _handler is not None:
            return
        _handler = _logging.StreamHandler()
        _handler.setFormatter(_Formatter("[%(level_initial)s %(asctime)s] %(message)s"))
        root = _root()
        root.addHandler(_handler)
        root.setLevel(INFO)
        root.propagate = False


def get_logger(name):
    _configure()
    return _logging.getLogger(name)


def get_verbosity():
    _configure()
    return _root().getEffectiveLevel()


def set_verbosity(verbosity):
    _configure()
    _root().setLevel(verbosity)


def disable_default_handler():
    _configure()
    _root().removeHandler(_handler)


def enable_default_handler():
    _configure()
    _root().addHandler(_handler)


def disable_propagation():
    _configure()
    _root().propagate = False


def enable_propagation():
    _configure()
    _root().propagate = True
