"""trials_dataframe: Optuna's Study.trials_dataframe over an hpo study (needs pandas)."""
from __future__ import annotations

import collections
import datetime
import enum
import math

__all__ = ["trials_dataframe"]

_DEFAULT_ATTRS = ("number", "value", "datetime_start", "datetime_complete", "duration",
                  "params", "user_attrs", "system_attrs", "state")


def _as_datetime(v):
    """A trial time as Optuna keeps it: a naive local datetime, or None."""
    if v is None or isinstance(v, datetime.datetime):
        return v
    if isinstance(v, (int, float)):
        return None if not math.isfinite(v) else datetime.datetime.fromtimestamp(v)
    return v


def _attr(trial, attr):
    if attr in ("datetime_start", "datetime_complete"):
        return _as_datetime(getattr(trial, attr))
    if attr == "duration":
        start = _as_datetime(getattr(trial, "datetime_start", None))
        end = _as_datetime(getattr(trial, "datetime_complete", None))
        return end - start if start is not None and end is not None else None
    if attr == "value":
        values = trial.values
        return values[0] if values else None
    return getattr(trial, attr)


def _records_and_columns(study, trials, attrs):
    columns_of = {attr: attr[1:] if attr.startswith("_") else attr for attr in attrs}
    agg = collections.defaultdict(set)
    metric_names = getattr(study, "metric_names", None)
    n_obj = len(study.directions)
    records = []
    for trial in trials:
        record = {}
        for attr, col in columns_of.items():
            value = _attr(trial, attr)
            if isinstance(value, enum.Enum):
                value = value.name
            if isinstance(value, dict):
                for k, v in value.items():
                    record[(col, k)] = v
                    agg[attr].add((col, k))
            elif attr == "values":
                vals = [None] * n_obj if value is None else value
                keys = range(len(vals)) if metric_names is None else metric_names
                for k, v in zip(keys, vals):
                    record[(col, k)] = v
                    agg[attr].add((col, k))
            elif isinstance(value, list):
                for k, v in enumerate(value):
                    record[(col, k)] = v
                    agg[attr].add((col, k))
            elif attr == "value":
                key = "" if metric_names is None else metric_names[0]
                record[(col, key)] = value
                agg[attr].add((col, key))
            else:
                record[(col, "")] = value
                agg[attr].add((col, ""))
        records.append(record)
    columns = []
    for attr in attrs:
        if attr not in agg:
            continue
        if attr == "values" and metric_names is not None:
            columns.extend((columns_of[attr], name) for name in metric_names)
        else:
            columns.extend(sorted(agg[attr], key=lambda c: (str(type(c[1])), c[1])))
    return records, columns


def _flatten(columns):
    return ["_".join(str(c) for c in col if c != "") for col in columns]


def trials_dataframe(study, attrs=_DEFAULT_ATTRS, multi_index=False):
    """Optuna's Study.trials_dataframe: one row per trial; columns number, value
    (values_0, values_1, ... for several objectives, or the metric names),
    datetime_start/datetime_complete (datetimes), duration (timedelta),
    params_<name>, user_attrs_<key>, system_attrs_<key>, state (its name).
    multi_index=True keeps (attr, key) column pairs. An empty study gives an
    empty DataFrame. Needs pandas."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("trials_dataframe needs pandas: pip install pandas") from None
    if isinstance(attrs, str):
        attrs = (attrs,)
    attrs = tuple(attrs)
    trials = study.trials
    if len(trials) == 0:
        return pd.DataFrame()
    if "value" in attrs and len(study.directions) > 1:
        attrs = tuple("values" if a == "value" else a for a in attrs)
    records, columns = _records_and_columns(study, trials, attrs)
    df = pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))
    if not multi_index:
        df.columns = _flatten(columns)
    return df
