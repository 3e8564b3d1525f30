"""The parameter declaration: typed values, messages that name the parameter and its bounds."""

from dataclasses import FrozenInstanceError, dataclass

import pytest

from deepbook.sims.params import (
    Bool,
    Choice,
    Flags,
    Float,
    Int,
    ParamError,
    Params,
    param,
)


@dataclass(frozen=True)
class S:
    lo: float = param(Float("Low", min=-1, max=1, default=0.0, group="view"))
    hi: float = param(Float("High", min=-1, max=1, default=0.5, group="view"))
    lr: float = param(Float("Rate", min=1e-4, max=10, default=0.1, log=True, hot=True))
    n: int = param(Int("Count", min=1, max=50, default=10))
    kind: str = param(Choice("Kind", options=(("a", "A"), ("b", "B")), default="a"))
    fs: tuple[str, ...] = param(
        Flags("Flags", options=(("x", "X"), ("y", "Y")), default=("x",), min_count=1)
    )
    on: bool = param(Bool("On", default=True, hot=True))

    def __post_init__(self) -> None:
        if self.lo >= self.hi:
            raise ParamError("lo", "must be less than hi")


P = Params(S)


def test_defaults_fill_missing_values_and_values_are_a_frozen_typed_object():
    v = P.validate({})
    assert v == S() == S(0.0, 0.5, 0.1, 10, "a", ("x",), True)
    with pytest.raises(FrozenInstanceError):
        v.n = 3  # type: ignore[misc]


def test_values_are_coerced_to_their_types():
    v = P.validate({"lo": -1, "n": 3.0, "fs": ["y", "x"], "on": "0", "kind": "b"})
    assert v.lo == -1.0 and isinstance(v.lo, float)
    assert v.n == 3 and isinstance(v.n, int)
    assert v.fs == ("x", "y")  # declaration order, not input order
    assert v.on is False and v.kind == "b"


@pytest.mark.parametrize(
    ("raw", "name", "words"),
    [
        ({"lr": 50}, "lr", "between 0.0001 and 10"),
        ({"lr": 0}, "lr", "between 0.0001 and 10"),
        ({"lr": 10**400}, "lr", "expected a number"),  # too large for a float: no OverflowError
        ({"n": 10**400}, "n", "between 1 and 50"),
        ({"n": 0}, "n", "between 1 and 50"),
        ({"n": 2.5}, "n", "whole number"),
        ({"n": True}, "n", "expected a number"),
        ({"lo": "abc"}, "lo", "expected a number"),
        ({"lo": float("nan")}, "lo", "finite"),
        ({"lo": [1]}, "lo", "expected a number"),
        ({"kind": "c"}, "kind", "one of a, b"),
        ({"fs": ["z"]}, "fs", "unknown option 'z'"),
        ({"fs": []}, "fs", "at least 1"),
        ({"on": "maybe"}, "on", "true or false"),
        ({"bogus": 1}, "bogus", "is not a parameter"),
        ({"lo": 0.9, "hi": 0.1}, "lo", "less than hi"),
    ],
)
def test_bad_input_names_the_parameter_and_why(raw, name, words):
    with pytest.raises(ParamError) as e:
        P.validate(raw)
    assert e.value.name == name
    assert words in str(e.value)
    assert str(e.value).startswith(f"{name}:")


def test_messages_never_echo_long_input():
    with pytest.raises(ParamError) as e:
        P.validate({"kind": "x" * 5000})
    assert len(str(e.value)) < 120


def test_query_strings_parse_and_bad_entries_are_reported_not_fatal():
    values, problems = P.from_query({"s.n": "7", "s.lr": "100", "s.fs": "x,y", "other": "1"}, "s")
    assert values.n == 7 and values.fs == ("x", "y")
    assert values.lr == 0.1  # refused, default kept
    assert len(problems) == 1 and problems[0].startswith("lr:")


def test_a_query_over_a_base_keeps_the_base_where_it_says_nothing():
    base = P.validate({"n": 20, "kind": "b"})
    values, problems = P.from_query({"k.n": "5"}, "k", base)
    assert (values.n, values.kind, problems) == (5, "b", [])


def test_url_encoding_round_trips():
    v = P.validate({"lr": 0.0003, "fs": ["x", "y"], "on": False, "n": 4})
    query = {f"s.{p.name}": p.to_url(getattr(v, p.name)) for p in P}
    assert P.from_query(query, "s") == (v, [])


def test_changed_and_hot():
    a = P.defaults()
    assert P.changed(a, P.validate({"lr": 1, "on": False})) == {"lr", "on"}
    assert P.only_hot(a, P.validate({"lr": 1, "on": False}))
    assert not P.only_hot(a, P.validate({"lr": 1, "n": 3}))


def test_schema_lists_every_parameter_with_bounds_group_and_hotness():
    schema = {p["name"]: p for p in P.schema()}
    assert list(schema) == P.names
    want = {"type": "float", "min": 1e-4, "max": 10, "default": 0.1, "log": True, "hot": True}
    assert want.items() <= schema["lr"].items()
    assert schema["n"]["type"] == "int" and schema["n"]["max"] == 50
    assert schema["lo"]["group"] == "view" and schema["n"]["group"] == "settings"
    assert [o["value"] for o in schema["fs"]["options"]] == ["x", "y"]


def test_a_field_not_declared_with_param_is_refused():
    @dataclass(frozen=True)
    class Bad:
        x: int = 3

    with pytest.raises(TypeError, match="param"):
        Params(Bad)


def test_every_simulation_declares_valid_defaults():
    from deepbook.sims import REGISTRY

    for spec in REGISTRY.values():
        defaults = spec.params.defaults()
        assert spec.params.validate({}) == defaults, spec.id
        for p in spec.params:  # a default must survive its own URL and JSON encodings
            d = getattr(defaults, p.name)
            assert p.coerce(p.to_url(d)) == d, (spec.id, p.name)
            assert p.coerce(p.to_json(d)) == d, (spec.id, p.name)


def _with_presets(presets):
    @dataclass(frozen=True)
    class T:
        kind: str = param(
            Choice("Kind", options=(("a", "A"), ("b", "B")), default="a", presets=presets)
        )
        n: int = param(Int("Count", min=1, max=50, default=10))

    return Params(T)


def test_choice_presets_are_checked_and_published_in_the_schema():
    ok = _with_presets({"b": {"n": 40}})
    assert ok["kind"].schema()["presets"] == {"b": {"n": 40}}
    assert ok.validate({"kind": "b"}).n == 10  # the API takes values as given: no preset applied
    with pytest.raises(TypeError, match="'c' is not an option"):
        _with_presets({"c": {"n": 4}})
    with pytest.raises(TypeError, match="sets its own choice"):
        _with_presets({"b": {"kind": "a"}})
    with pytest.raises(TypeError, match="n: must be between 1 and 50"):
        _with_presets({"b": {"n": 99}})
    with pytest.raises(TypeError, match="not a parameter"):
        _with_presets({"b": {"m": 1}})
