"""Parameter declarations: one table per simulation drives validation, controls, API schema and URL.

A simulation declares its parameters once as a `Params` of `Float`, `Int`, `Choice`, `Flags` and
`Bool` entries. `Params.validate` turns untrusted input (JSON or URL strings) into typed values or
raises `ParamError` naming the parameter and its bounds; `Params.schema` describes them as JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Values = dict[str, Any]


class ParamError(ValueError):
    """Input that does not fit a declared parameter; `name` is the parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Param:
    """Fields every parameter has."""

    name: str
    label: str
    help: str = ""
    advanced: bool = field(default=False, kw_only=True)  # shown under "More settings"

    def coerce(self, raw: object) -> object:  # pragma: no cover - overridden
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "help": self.help,
            "advanced": self.advanced,
        }

    def to_url(self, value: object) -> str:
        return str(value)


def _number(name: str, raw: object) -> float:
    if isinstance(raw, bool):
        raise ParamError(name, f"expected a number, got {raw!r}")
    if isinstance(raw, int | float):
        x = float(raw)
    elif isinstance(raw, str):
        try:
            x = float(raw)
        except ValueError:
            raise ParamError(name, f"expected a number, got {raw!r}") from None
    else:
        raise ParamError(name, f"expected a number, got {type(raw).__name__}")
    if not math.isfinite(x):
        raise ParamError(name, f"expected a finite number, got {raw!r}")
    return x


@dataclass(frozen=True)
class Float(Param):
    """A real number in [min, max]; `log` makes its slider logarithmic."""

    min: float = 0.0
    max: float = 1.0
    default: float = 0.0
    step: float = 0.01
    log: bool = False

    def coerce(self, raw: object) -> float:
        x = _number(self.name, raw)
        if not self.min <= x <= self.max:
            raise ParamError(self.name, f"must be between {self.min:g} and {self.max:g}, got {x:g}")
        return x

    def schema(self) -> dict[str, Any]:
        kind = {"type": "float", "min": self.min, "max": self.max, "step": self.step}
        return super().schema() | kind | {"default": self.default, "log": self.log}

    def to_url(self, value: object) -> str:
        return f"{value:.6g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Int(Param):
    """A whole number in [min, max]."""

    min: int = 0
    max: int = 1
    default: int = 0
    step: int = 1

    def coerce(self, raw: object) -> int:
        x = _number(self.name, raw)
        if x != int(x):
            raise ParamError(self.name, f"expected a whole number, got {raw!r}")
        if not self.min <= x <= self.max:
            raise ParamError(self.name, f"must be between {self.min} and {self.max}, got {x:g}")
        return int(x)

    def schema(self) -> dict[str, Any]:
        kind = {"type": "int", "min": self.min, "max": self.max, "step": self.step}
        return super().schema() | kind | {"default": self.default}


@dataclass(frozen=True)
class Choice(Param):
    """One of a fixed set of options, given as (value, label) pairs."""

    options: tuple[tuple[str, str], ...] = ()
    default: str = ""

    def coerce(self, raw: object) -> str:
        allowed = [v for v, _ in self.options]
        if not isinstance(raw, str) or raw not in allowed:
            raise ParamError(self.name, f"must be one of {', '.join(allowed)}; got {raw!r}")
        return raw

    def schema(self) -> dict[str, Any]:
        opts = [{"value": v, "label": lab} for v, lab in self.options]
        return super().schema() | {"type": "choice", "options": opts, "default": self.default}


@dataclass(frozen=True)
class Flags(Param):
    """Any subset of a fixed set of options (shown as checkboxes); order follows `options`."""

    options: tuple[tuple[str, str], ...] = ()
    default: tuple[str, ...] = ()
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
                    self.name, f"unknown option {item!r}; allowed: {', '.join(allowed)}"
                )
        chosen = tuple(v for v in allowed if v in items)
        if len(chosen) < self.min_count:
            raise ParamError(self.name, f"choose at least {self.min_count} of {', '.join(allowed)}")
        return chosen

    def schema(self) -> dict[str, Any]:
        opts = [{"value": v, "label": lab} for v, lab in self.options]
        kind = {"type": "flags", "options": opts, "min_count": self.min_count}
        return super().schema() | kind | {"default": list(self.default)}

    def to_url(self, value: object) -> str:
        return ",".join(value) if isinstance(value, tuple | list) else str(value)


@dataclass(frozen=True)
class Bool(Param):
    """On or off."""

    default: bool = False

    def coerce(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "1", "on", 1):
            return True
        if raw in ("false", "0", "off", 0):
            return False
        raise ParamError(self.name, f"expected true or false, got {raw!r}")

    def schema(self) -> dict[str, Any]:
        return super().schema() | {"type": "bool", "default": self.default}

    def to_url(self, value: object) -> str:
        return "1" if value else "0"


Check = Callable[[Values], None]


@dataclass(frozen=True)
class Params:
    """The ordered parameter table of one simulation, with optional cross-parameter checks."""

    items: tuple[Param, ...]
    checks: tuple[Check, ...] = field(default=())

    def __iter__(self) -> Iterator[Param]:
        return iter(self.items)

    def __getitem__(self, name: str) -> Param:
        for p in self.items:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.items]

    def defaults(self) -> Values:
        return {p.name: getattr(p, "default") for p in self.items}  # noqa: B009

    def validate(self, raw: Mapping[str, object]) -> Values:
        """Typed values from untrusted input; missing ones take their defaults."""
        unknown = sorted(set(raw) - set(self.names))
        if unknown:
            raise ParamError(
                unknown[0], f"is not a parameter; expected one of {', '.join(self.names)}"
            )
        out = self.defaults()
        for p in self.items:
            if p.name in raw:
                out[p.name] = p.coerce(raw[p.name])
        for check in self.checks:
            check(out)
        return out

    def from_query(self, query: Mapping[str, str], prefix: str) -> tuple[Values, list[str]]:
        """Values from URL query keys `<prefix>.<name>`; bad entries are dropped and reported."""
        values, problems = self.defaults(), []
        for p in self.items:
            key = f"{prefix}.{p.name}"
            if key in query:
                try:
                    values[p.name] = p.coerce(query[key])
                except ParamError as e:
                    problems.append(str(e))
        try:
            for check in self.checks:
                check(values)
        except ParamError as e:
            problems.append(str(e))
            values = self.defaults()
        return values, problems

    def schema(self) -> list[dict[str, Any]]:
        return [p.schema() for p in self.items]
