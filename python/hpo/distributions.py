"""Optuna's optuna.distributions: FloatDistribution, IntDistribution and
CategoricalDistribution with the same behaviour (internal representation, JSON form,
compatibility rule), for code that builds or inspects distributions in Python."""
import copy
import decimal
import json
import math

__all__ = ["BaseDistribution", "FloatDistribution", "IntDistribution",
           "CategoricalDistribution", "distribution_to_json", "json_to_distribution",
           "check_distribution_compatibility", "UniformDistribution",
           "LogUniformDistribution", "DiscreteUniformDistribution", "IntUniformDistribution",
           "IntLogUniformDistribution"]


class BaseDistribution:
    def to_external_repr(self, param_value_in_internal_repr):
        return param_value_in_internal_repr

    def to_internal_repr(self, param_value_in_external_repr):
        return param_value_in_external_repr

    def single(self):
        raise NotImplementedError

    def _contains(self, param_value_in_internal_repr):
        raise NotImplementedError

    def _asdict(self):
        return dict(self.__dict__)

    def __eq__(self, other):
        return isinstance(other, BaseDistribution) and type(self) is type(other) and \
            self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self),) + tuple(sorted((k, repr(v)) for k, v in self.__dict__.items())))

    def __repr__(self):
        kwargs = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{type(self).__name__}({kwargs})"


def _adjust_high(low, high, step):
    # decimal arithmetic, as Optuna: high comes down to the last multiple of step
    d_high, d_low, d_step = (decimal.Decimal(str(x)) for x in (high, low, step))
    d_r = d_high - d_low
    if d_r % d_step != decimal.Decimal("0"):
        high = float((d_r // d_step) * d_step + d_low)
    return high


class FloatDistribution(BaseDistribution):
    def __init__(self, low, high, log=False, step=None):
        if log and step is not None:
            raise ValueError("The parameter `step` is not supported when `log` is true.")
        if low > high:
            raise ValueError(f"`low <= high` must hold, but got ({low}, {high}).")
        if log and low <= 0.0:
            raise ValueError(f"`low > 0` must hold for `log=True`, but got ({low}, {high}).")
        if step is not None and step <= 0:
            raise ValueError(f"`step > 0` must hold, but got {step}.")
        self.step = None
        if step is not None:
            high = _adjust_high(low, high, step)
            self.step = float(step)
        self.low = float(low)
        self.high = float(high)
        self.log = log

    def single(self):
        if self.step is None:
            return self.low == self.high
        if self.low == self.high:
            return True
        high = decimal.Decimal(str(self.high))
        low = decimal.Decimal(str(self.low))
        return (high - low) < decimal.Decimal(str(self.step))

    def _contains(self, value):
        value = float(value)
        if self.step is None:
            return self.low <= value <= self.high
        k = (value - self.low) / self.step
        return self.low <= value <= self.high and abs(k - round(k)) < 1.0e-8

    def to_internal_repr(self, value):
        try:
            internal = float(value)
        except (ValueError, TypeError) as e:
            raise ValueError(f"'{value}' is not a valid type. float-castable value is "
                             "expected.") from e
        if math.isnan(internal):
            raise ValueError(f"`{value}` is invalid value.")
        if self.log and internal <= 0.0:
            raise ValueError(f"`{value}` is invalid value for the case log=True.")
        return internal


class IntDistribution(BaseDistribution):
    def __init__(self, low, high, log=False, step=1):
        if log and step != 1:
            raise ValueError("Samplers and other components in Optuna only accept step is 1 "
                             "when `log` argument is True.")
        if low > high:
            raise ValueError(f"`low <= high` must hold, but got ({low}, {high}).")
        if log and low < 1:
            raise ValueError(f"`low >= 1` must hold for `log=True`, but got ({low}, {high}).")
        if step <= 0:
            raise ValueError(f"`step > 0` must hold, but got {step}.")
        self.log = log
        self.step = int(step)
        self.low = int(low)
        high = int(high)
        self.high = high - (high - self.low) % self.step

    def to_external_repr(self, value):
        return int(value)

    def to_internal_repr(self, value):
        try:
            internal = float(value)
        except (ValueError, TypeError) as e:
            raise ValueError(f"'{value}' is not a valid type. float-castable value is "
                             "expected.") from e
        if math.isnan(internal):
            raise ValueError(f"`{value}` is invalid value.")
        if self.log and internal <= 0.0:
            raise ValueError(f"`{value}` is invalid value for the case log=True.")
        return internal

    def single(self):
        if self.log:
            return self.low == self.high
        if self.low == self.high:
            return True
        return (self.high - self.low) < self.step

    def _contains(self, value):
        value = float(value)
        return self.low <= value <= self.high and (value - self.low) % self.step == 0


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


class CategoricalDistribution(BaseDistribution):
    def __init__(self, choices):
        if len(choices) == 0:
            raise ValueError("The `choices` must contain one or more elements.")
        for choice in choices:
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                raise ValueError(f"Choices for a categorical distribution should be a tuple "
                                 f"of None, bool, int, float and str, got {choice!r}.")
        self.choices = tuple(choices)

    def to_external_repr(self, value):
        return self.choices[int(value)]

    def to_internal_repr(self, value):
        for i, c in enumerate(self.choices):
            if _same(c, value):
                return i
        raise ValueError(f"'{value}' not in {self.choices}.")

    def single(self):
        return len(self.choices) == 1

    def _contains(self, value):
        index = int(value)
        return 0 <= index < len(self.choices)

    def __eq__(self, other):
        return isinstance(other, CategoricalDistribution) and \
            len(self.choices) == len(other.choices) and \
            all(_same(a, b) for a, b in zip(self.choices, other.choices))

    def __hash__(self):
        return hash((CategoricalDistribution, tuple(map(repr, self.choices))))


# The pre-3.0 names: thin constructors onto the modern classes, as Optuna keeps them.
def UniformDistribution(low, high):  # noqa: N802
    return FloatDistribution(low, high)


def LogUniformDistribution(low, high):  # noqa: N802
    return FloatDistribution(low, high, log=True)


def DiscreteUniformDistribution(low, high, q):  # noqa: N802
    return FloatDistribution(low, high, step=q)


def IntUniformDistribution(low, high, step=1):  # noqa: N802
    return IntDistribution(low, high, step=step)


def IntLogUniformDistribution(low, high, step=1):  # noqa: N802
    return IntDistribution(low, high, log=True, step=step)


_NAMES = {"FloatDistribution": FloatDistribution, "IntDistribution": IntDistribution,
          "CategoricalDistribution": CategoricalDistribution}


def json_to_distribution(json_str):
    """Optuna's JSON form (modern and pre-3.0 names) to a distribution."""
    loaded = json.loads(json_str)
    if "name" not in loaded:  # the abbreviated form: {"type": "float", "low": ..., ...}
        kind = loaded.get("type")
        attrs = {k: v for k, v in loaded.items() if k != "type"}
        if kind == "categorical":
            return CategoricalDistribution(attrs["choices"])
        if kind == "float":
            return FloatDistribution(**attrs)
        if kind == "int":
            return IntDistribution(**attrs)
        raise ValueError(f"Unknown distribution type: {kind}")
    name, attrs = loaded["name"], dict(loaded["attributes"])
    if name in _NAMES:
        if name == "CategoricalDistribution":
            return CategoricalDistribution(attrs["choices"])
        return _NAMES[name](**attrs)
    legacy = {"UniformDistribution": lambda a: FloatDistribution(a["low"], a["high"]),
              "LogUniformDistribution": lambda a: FloatDistribution(a["low"], a["high"], log=True),
              "DiscreteUniformDistribution": lambda a: FloatDistribution(a["low"], a["high"],
                                                                         step=a["q"]),
              "IntUniformDistribution": lambda a: IntDistribution(a["low"], a["high"],
                                                                  step=a.get("step", 1)),
              "IntLogUniformDistribution": lambda a: IntDistribution(a["low"], a["high"],
                                                                     log=True)}
    if name not in legacy:
        raise ValueError(f"Unknown distribution class: {name}")
    return legacy[name](attrs)


def distribution_to_json(dist):
    return json.dumps({"name": type(dist).__name__, "attributes": dist._asdict()})


def check_distribution_compatibility(dist_old, dist_new):
    """Raise ValueError when a parameter's distribution changes kind (or, for a
    categorical, its choices), as Optuna does."""
    if type(dist_old) is not type(dist_new):
        raise ValueError("Cannot set different distribution kind to the same parameter name.")
    if isinstance(dist_old, (FloatDistribution, IntDistribution)) and dist_old.log != dist_new.log:
        raise ValueError("Cannot set different log configuration to the same parameter name.")
    if isinstance(dist_old, CategoricalDistribution) and dist_old != dist_new:
        raise ValueError(CategoricalDistribution.__name__ + " does not support dynamic value "
                         "space.")


def _copy(dist):
    return copy.deepcopy(dist)
