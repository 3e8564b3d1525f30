"""Parameter declarations: one typed table per simulation drives validation, controls, schema, URL.

A simulation declares its parameters once, as a frozen dataclass whose fields are `param(...)`s:

    @dataclass(frozen=True)
    class Settings:
        lr: float = param(Float("Learning rate", min=1e-4, max=10, default=0.1, log=True, hot=True))

`Params(Settings)` reads that table. `validate` turns untrusted input (JSON, or URL strings) into
a `Settings` — so a misspelt `v.lrr` fails under mypy — or raises `ParamError` naming the parameter
and its bounds. Kinds: `Float`, `Int`, `Choice`, `Flags`, `Bool`, and the inputs a reader draws or
clicks (`IntList`, `Points`, `Pixels` in `sims/inputs.py`). Cross-parameter checks live in the
dataclass's `__post_init__` and raise `ParamError` too.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
V = TypeVar("V")

GROUPS = {  # legend of each control group, in the order the page shows them
    "data": "Data",
    "model": "Model",
    "training": "Training",
    "view": "View",
    "settings": "Settings",
}


class ParamError(ValueError):
    """Input that does not fit a declared parameter; `name` is the parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def _shown(raw: object) -> str:
    """A short, safe rendering of bad input for a message (never echo a long value back)."""
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "…"


@dataclass(frozen=True)
class Param(Generic[T]):
    """Fields every parameter has; `name` is filled in from the dataclass field it declares."""

    label: str
    default: T = field(kw_only=True)
    help: str = field(default="", kw_only=True)
    group: str = field(default="settings", kw_only=True)  # a key of GROUPS: its fieldset
    advanced: bool = field(default=False, kw_only=True)  # shown under "More settings"
    hot: bool = field(default=False, kw_only=True)  # a live sim takes it without restarting
    name: str = field(default="", kw_only=True)

    def coerce(self, raw: object) -> T:  # pragma: no cover - overridden
        raise NotImplementedError

    def kind(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "help": self.help,
            "group": self.group,
            "advanced": self.advanced,
            "hot": self.hot,
        } | self.kind()

    def to_url(self, value: T) -> str:
        return str(value)

    def to_json(self, value: T) -> object:
        """The value as the API and the page's controls carry it."""
        return value


def param(decl: Param[T]) -> T:
    """Declare a dataclass field as a parameter (the field's type is the parameter's value)."""
    return field(default=decl.default, metadata={"param": decl})


def number(name: str, raw: object) -> float:
    """A finite float from JSON or a URL string, or a ParamError."""
    if isinstance(raw, bool):
        raise ParamError(name, f"expected a number, got {_shown(raw)}")
    try:
        if isinstance(raw, int | float | str):
            x = float(raw)
        else:
            raise ParamError(name, f"expected a number, got {type(raw).__name__}")
    except (ValueError, OverflowError):
        raise ParamError(name, f"expected a number, got {_shown(raw)}") from None
    if not math.isfinite(x):
        raise ParamError(name, f"expected a finite number, got {_shown(raw)}")
    return x


@dataclass(frozen=True, kw_only=True)
class Float(Param[float]):
    """A real number in [min, max]; `log` makes its slider logarithmic."""

    min: float
    max: float
    step: float = 0.01
    log: bool = False

    def coerce(self, raw: object) -> float:
        x = number(self.name, raw)
        if not self.min <= x <= self.max:
            raise ParamError(self.name, f"must be between {self.min:g} and {self.max:g}, got {x:g}")
        return x

    def kind(self) -> dict[str, Any]:
        return {
            "type": "float",
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "default": self.default,
            "log": self.log,
        }

    def to_url(self, value: float) -> str:
        return f"{value:.6g}"


@dataclass(frozen=True, kw_only=True)
class Int(Param[int]):
    """A whole number in [min, max]."""

    min: int
    max: int
    step: int = 1

    def coerce(self, raw: object) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            x = raw  # exact, however large: compared below, never turned into a float
        else:
            f = number(self.name, raw)
            if f != int(f):
                raise ParamError(self.name, f"expected a whole number, got {_shown(raw)}")
            x = int(f)
        if not self.min <= x <= self.max:
            raise ParamError(
                self.name, f"must be between {self.min} and {self.max}, got {_shown(x)}"
            )
        return x

    def kind(self) -> dict[str, Any]:
        return {
            "type": "int",
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "default": self.default,
        }


Options = tuple[tuple[str, str], ...]  # (value, label) pairs


@dataclass(frozen=True, kw_only=True)
class Choice(Param[str]):
    """One of a fixed set of options, given as (value, label) pairs. `presets` gives an option the
    other values that suit it (a landscape's learning rate and start): picking that option in the
    controls sets them too, while the API and links take every value as given."""

    options: Options
    presets: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    def coerce(self, raw: object) -> str:
        allowed = [v for v, _ in self.options]
        if not isinstance(raw, str) or raw not in allowed:
            raise ParamError(self.name, f"must be one of {', '.join(allowed)}; got {_shown(raw)}")
        return raw

    def kind(self) -> dict[str, Any]:
        opts = [{"value": v, "label": lab} for v, lab in self.options]
        presets = {k: dict(v) for k, v in self.presets.items()}
        return {"type": "choice", "options": opts, "default": self.default, "presets": presets}


@dataclass(frozen=True, kw_only=True)
class Flags(Param[tuple[str, ...]]):
    """Any subset of a fixed set of options (shown as checkboxes); order follows `options`."""

    options: Options
    min_count: int = 0

    def coerce(self, raw: object) -> tuple[str, ...]:
        if isinstance(raw, str):
            items: list[object] = [s for s in raw.split(",") if s]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise ParamError(self.name, f"expected a list of options, got {type(raw).__name__}")
        allowed = [v for v, _ in self.options]
        for item in items:
            if item not in allowed:
                raise ParamError(
                    self.name, f"unknown option {_shown(item)}; allowed: {', '.join(allowed)}"
                )
        chosen = tuple(v for v in allowed if v in items)
        if len(chosen) < self.min_count:
            raise ParamError(self.name, f"choose at least {self.min_count} of {', '.join(allowed)}")
        return chosen

    def kind(self) -> dict[str, Any]:
        opts = [{"value": v, "label": lab} for v, lab in self.options]
        return {
            "type": "flags",
            "options": opts,
            "min_count": self.min_count,
            "default": list(self.default),
        }

    def to_url(self, value: tuple[str, ...]) -> str:
        return ",".join(value)

    def to_json(self, value: tuple[str, ...]) -> object:
        return list(value)


@dataclass(frozen=True, kw_only=True)
class Bool(Param[bool]):
    """On or off."""

    def coerce(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "1", "on") or (isinstance(raw, int) and raw == 1):
            return True
        if raw in ("false", "0", "off") or (isinstance(raw, int) and raw == 0):
            return False
        raise ParamError(self.name, f"expected true or false, got {_shown(raw)}")

    def kind(self) -> dict[str, Any]:
        return {"type": "bool", "default": self.default}

    def to_url(self, value: bool) -> str:
        return "1" if value else "0"


class Params(Generic[V]):
    """The ordered parameter table of one simulation, read from its values dataclass."""

    def __init__(self, cls: type[V]) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a frozen dataclass of param(...) fields")
        self.cls = cls
        items: list[Param[Any]] = []
        for f in dataclasses.fields(cls):
            decl = f.metadata.get("param")
            if not isinstance(decl, Param):
                raise TypeError(f"{cls.__name__}.{f.name} is not declared with param(...)")
            if decl.group not in GROUPS:
                raise TypeError(f"{cls.__name__}.{f.name}: unknown group {decl.group!r}")
            items.append(dataclasses.replace(decl, name=f.name))
        self.items: tuple[Param[Any], ...] = tuple(items)
        for p in self.items:
            if isinstance(p, Choice):
                self._check_presets(p)

    def _check_presets(self, choice: Choice) -> None:
        """A preset names an option of its choice and valid values of other parameters."""
        where = f"{self.cls.__name__}.{choice.name} presets"
        for option, values in choice.presets.items():
            if option not in [v for v, _ in choice.options]:
                raise TypeError(f"{where}: {option!r} is not an option")
            if choice.name in values:
                raise TypeError(f"{where}: {option!r} sets its own choice")
            try:
                self.validate(values)
            except ParamError as e:
                raise TypeError(f"{where}: {option!r}: {e}") from None

    def __iter__(self) -> Iterator[Param[Any]]:
        return iter(self.items)

    def __getitem__(self, name: str) -> Param[Any]:
        for p in self.items:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.items]

    def defaults(self) -> V:
        return self.cls()

    def as_dict(self, values: V) -> dict[str, Any]:
        """Field name → value (tuples and inputs kept as they are)."""
        return {p.name: getattr(values, p.name) for p in self.items}

    def to_json(self, values: V) -> dict[str, object]:
        """The values as JSON-ready data (what the API accepts back)."""
        return {p.name: p.to_json(getattr(values, p.name)) for p in self.items}

    def validate(self, raw: Mapping[str, object], base: V | None = None) -> V:
        """Typed values from untrusted input; missing ones come from `base` (else defaults)."""
        unknown = sorted(set(raw) - set(self.names))
        if unknown:
            raise ParamError(
                _shown(unknown[0]).strip("'"),
                f"is not a parameter; expected one of {', '.join(self.names)}",
            )
        out = self.as_dict(base if base is not None else self.defaults())
        for p in self.items:
            if p.name in raw:
                out[p.name] = p.coerce(raw[p.name])
        return self.cls(**out)

    def from_query(
        self, query: Mapping[str, str], prefix: str, base: V | None = None
    ) -> tuple[V, list[str]]:
        """Values from URL keys `<prefix>.<name>` over `base`; bad entries are dropped, reported."""
        start = base if base is not None else self.defaults()
        values, problems = self.as_dict(start), []
        for p in self.items:
            key = f"{prefix}.{p.name}"
            if key in query:
                try:
                    values[p.name] = p.coerce(query[key])
                except ParamError as e:
                    problems.append(str(e))
        try:
            return self.cls(**values), problems
        except ParamError as e:
            return start, [*problems, str(e)]

    def changed(self, a: V, b: V) -> set[str]:
        """Names of the parameters whose values differ between a and b."""
        return {p.name for p in self.items if getattr(a, p.name) != getattr(b, p.name)}

    def only_hot(self, a: V, b: V) -> bool:
        """Do a and b differ only in parameters a live sim can take without restarting?"""
        return all(self[name].hot for name in self.changed(a, b))

    def schema(self) -> list[dict[str, Any]]:
        return [p.schema() for p in self.items]
