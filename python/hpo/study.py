"""Optuna's optuna.study: Study, StudyDirection, MaxTrialsCallback, summaries, copy."""
import datetime

from ._core import (Study, StudyDirection, TrialState, _check, _open_storage,  # noqa: F401
                    _sig, _storage_free, create_study, delete_study, load_study, _P, _free)
from ctypes import POINTER, byref, c_char_p, c_int, c_size_t, c_void_p

__all__ = ["Study", "StudyDirection", "StudySummary", "MaxTrialsCallback", "create_study",
           "load_study", "delete_study", "copy_study", "get_all_study_summaries",
           "get_all_study_names"]

_study_list = _sig("hpo_study_list", c_int, _P, POINTER(POINTER(c_char_p)), POINTER(c_size_t))


class MaxTrialsCallback:
    """Stop optimize once the study has n_trials trials in states (COMPLETE by default)."""

    def __init__(self, n_trials, states=(TrialState.COMPLETE,)):
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study, trial):
        if len(study.get_trials(states=self._states)) >= self._n_trials:
            study.stop()


class StudySummary:
    """What get_all_study_summaries reports per study (Optuna's StudySummary)."""

    def __init__(self, study_name, direction, best_trial, user_attrs, system_attrs, n_trials,
                 datetime_start, study_id, *, directions=None):
        self.study_name = study_name
        self._directions = directions or [direction]
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    @property
    def direction(self):
        if len(self._directions) > 1:
            raise RuntimeError("This attribute is not available during multi-objective "
                               "optimization.")
        return self._directions[0]

    @property
    def directions(self):
        return list(self._directions)


def _url(storage):
    return storage  # a URL, None or an hpo.storages object: _open_storage takes each


def get_all_study_names(storage):
    st = _open_storage(storage)
    arr, n = POINTER(c_char_p)(), c_size_t()
    try:
        _check(_study_list(st, byref(arr), byref(n)))
        try:
            return [arr[i].decode("utf-8") for i in range(n.value)]
        finally:
            _free(arr)
    finally:
        if getattr(storage, "_shared_handle", None) is None:
            _storage_free(st)


def get_all_study_summaries(storage, include_best_trial=True):
    out = []
    for i, name in enumerate(get_all_study_names(storage)):
        with load_study(study_name=name, storage=_url(storage)) as s:
            trials = s.trials
            best = None
            if include_best_trial and len(s.directions) == 1:
                try:
                    best = s.best_trial
                except ValueError:
                    best = None
            starts = [t.datetime_start for t in trials if t.datetime_start is not None]
            out.append(StudySummary(name, s.directions[0], best, s.user_attrs, s.system_attrs,
                                    len(trials), min(starts) if starts else None, i,
                                    directions=s.directions))
    return out


def copy_study(*, from_study_name, from_storage, to_storage, to_study_name=None):
    """Copy a study (directions, attributes, every finished or waiting trial) to
    another storage, as Optuna's copy_study."""
    with load_study(study_name=from_study_name, storage=_url(from_storage)) as src:
        dirs = [d.name.lower() for d in src.directions]
        with create_study(study_name=to_study_name or from_study_name,
                          storage=_url(to_storage), directions=dirs) as dst:
            from . import samplers
            dst._set_sampler(samplers.RandomSampler())  # added trials need no model fits
            for k, v in src.user_attrs.items():
                dst.set_user_attr(k, v)
            for k, v in src.system_attrs.items():
                dst.set_system_attr(k, v)
            dst.add_trials(t for t in src.trials if t.state != TrialState.RUNNING)


_ = datetime
