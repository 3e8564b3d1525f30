"""The parameter declaration: typed validation with messages that name the parameter and bounds."""

import pytest

from deepbook.sims.params import Bool, Choice, Flags, Float, Int, ParamError, Params


def _range(v):
    if v["lo"] >= v["hi"]:
        raise ParamError("lo", "must be less than hi")


P = Params(
    (
        Float("lo", "Low", "", -1, 1, 0.0),
        Float("hi", "High", "", -1, 1, 0.5),
        Float("lr", "Rate", "", 1e-4, 10, 0.1, log=True),
        Int("n", "Count", "", 1, 50, 10),
        Choice("kind", "Kind", "", options=(("a", "A"), ("b", "B")), default="a"),
        Flags("fs", "Flags", "", options=(("x", "X"), ("y", "Y")), default=("x",), min_count=1),
        Bool("on", "On", "", True),
    ),
    checks=(_range,),
)


def test_defaults_fill_missing_values():
    assert P.validate({}) == {
        "lo": 0.0,
        "hi": 0.5,
        "lr": 0.1,
        "n": 10,
        "kind": "a",
        "fs": ("x",),
        "on": True,
    }


def test_values_are_coerced_to_their_types():
    v = P.validate({"lo": -1, "n": 3.0, "fs": ["y", "x"], "on": "0", "kind": "b"})
    assert v["lo"] == -1.0 and isinstance(v["lo"], float)
    assert v["n"] == 3 and isinstance(v["n"], int)
    assert v["fs"] == ("x", "y")  # declaration order, not input order
    assert v["on"] is False and v["kind"] == "b"


@pytest.mark.parametrize(
    ("raw", "name", "words"),
    [
        ({"lr": 50}, "lr", "between 0.0001 and 10"),
        ({"lr": 0}, "lr", "between 0.0001 and 10"),
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


def test_query_strings_parse_and_bad_entries_are_reported_not_fatal():
    values, problems = P.from_query({"s.n": "7", "s.lr": "100", "s.fs": "x,y", "other": "1"}, "s")
    assert values["n"] == 7 and values["fs"] == ("x", "y")
    assert values["lr"] == 0.1  # refused, default kept
    assert len(problems) == 1 and problems[0].startswith("lr:")


def test_url_encoding_round_trips():
    v = P.validate({"lr": 0.0003, "fs": ["x", "y"], "on": False, "n": 4})
    query = {f"s.{p.name}": p.to_url(v[p.name]) for p in P.items}
    assert P.from_query(query, "s") == (v, [])


def test_schema_lists_every_parameter_with_bounds():
    schema = {p["name"]: p for p in P.schema()}
    assert list(schema) == P.names
    want = {"type": "float", "min": 1e-4, "max": 10, "default": 0.1, "log": True}
    assert want.items() <= schema["lr"].items()
    assert schema["n"]["type"] == "int" and schema["n"]["max"] == 50
    assert [o["value"] for o in schema["fs"]["options"]] == ["x", "y"]


def test_every_simulation_declares_valid_defaults():
    from deepbook.sims import REGISTRY

    for spec in REGISTRY.values():
        defaults = spec.params.defaults()
        assert spec.params.validate({}) == defaults, spec.id
        for p in spec.params.items:  # a default must survive its own URL encoding
            assert p.coerce(p.to_url(defaults[p.name])) == defaults[p.name], (spec.id, p.name)
