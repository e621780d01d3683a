"""Optuna's optuna.storages: RDBStorage (a SQLite or PostgreSQL URL, with Optuna's
heartbeat_interval / grace_period / failed_trial_callback), InMemoryStorage and
RetryFailedTrialCallback. Pass one as create_study(storage=...)."""

__all__ = ["BaseStorage", "RDBStorage", "InMemoryStorage", "RetryFailedTrialCallback",
           "fail_stale_trials"]


class BaseStorage:
    url = None
    heartbeat = None


class RetryFailedTrialCallback:
    """Re-enqueue a trial whose worker died (its heartbeat went stale), up to
    max_retry times (None: unlimited). The retry carries Optuna's system attributes
    failed_trial and retry_history."""

    def __init__(self, max_retry=None, inherit_intermediate_values=False):
        if max_retry is not None and max_retry < 0:
            raise ValueError(f"max_retry must be None or >= 0, got {max_retry}")
        if inherit_intermediate_values:
            raise ValueError("RetryFailedTrialCallback: inherit_intermediate_values is not "
                             "supported by hpo")
        self._max_retry = max_retry

    @staticmethod
    def retried_trial_number(trial):
        return trial.system_attrs.get("failed_trial")

    @staticmethod
    def retry_history(trial):
        return list(trial.system_attrs.get("retry_history", []))


class RDBStorage(BaseStorage):
    def __init__(self, url, engine_kwargs=None, skip_compatibility_check=False, *,
                 heartbeat_interval=None, grace_period=None, failed_trial_callback=None,
                 skip_table_creation=False):
        if not isinstance(url, str) or not url.startswith(("sqlite:", "postgresql", "postgres")):
            raise ValueError(f"RDBStorage: '{url}' is not a sqlite:/// or postgresql:// URL "
                             "(hpo has no MySQL driver)")
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise ValueError("The value of `heartbeat_interval` should be a positive integer.")
        if grace_period is not None and grace_period <= 0:
            raise ValueError("The value of `grace_period` should be a positive integer.")
        if failed_trial_callback is not None and \
                not isinstance(failed_trial_callback, RetryFailedTrialCallback):
            raise ValueError("RDBStorage: failed_trial_callback must be a "
                             "RetryFailedTrialCallback (hpo runs the callback in C)")
        self.url = url
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.failed_trial_callback = failed_trial_callback
        if heartbeat_interval:
            cb = failed_trial_callback
            max_retry = -1 if cb is None or cb._max_retry is None else cb._max_retry
            self.heartbeat = (float(heartbeat_interval), float(grace_period or 0),
                              cb is not None, max_retry)

    def __repr__(self):
        return f"RDBStorage({self.url!r})"


class InMemoryStorage(BaseStorage):
    """Studies in this process's memory, shared by every create_study/load_study given
    this object (storage=None instead gives each study a storage of its own)."""

    def __init__(self):
        self._h = None

    def _shared_handle(self):
        if self._h is None:
            from ._core import _open_storage
            self._h = _open_storage(None)
        return self._h

    def __del__(self):
        if getattr(self, "_h", None):
            from ._core import _storage_free
            _storage_free(self._h)
            self._h = None


def fail_stale_trials(study):
    """Fail the study's RUNNING trials whose heartbeat is stale (needs heartbeats)."""
    from ctypes import byref, c_size_t
    from ._core import _check, _storage_fail_stale
    n = c_size_t()
    _check(_storage_fail_stale(study._c_storage, study.study_name.encode("utf-8"), byref(n)))
    return n.value
