"""Input kinds a reader draws or clicks: Points, Pixels, IntList — validation and URL forms."""

import base64
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

from deepbook.sims.inputs import GRID, Image, IntList, Pixels, Points, PointSet
from deepbook.sims.params import ParamError, Params, param


@dataclass(frozen=True)
class S:
    pts: PointSet = param(Points("Points", extent=(-2.0, 2.0), max_count=50, classes=3))
    img: Image = param(Pixels("Drawing", width=8, height=6))
    widths: tuple[int, ...] = param(IntList("Widths", default=(8,), max_len=4, min=1, max=32))


P = Params(S)


def test_points_from_triples_snap_to_the_grid_and_round_trip_through_the_url():
    v = P.validate({"pts": [[0.1234, -1.9, 0], [2, 2, 2], [-2, 0, 1]]})
    pts = v.pts
    assert len(pts) == 3 and pts.labels.tolist() == [0, 2, 1]
    step = 4 / GRID
    assert np.all(np.abs(pts.xy - np.array([[0.1234, -1.9], [2, 2], [-2, 0]])) <= step / 2 + 1e-12)
    code = P["pts"].to_url(pts)
    assert len(code) == 4 * 3
    again = P.validate({"pts": code}).pts
    assert again == pts and hash(again) == hash(pts)
    np.testing.assert_array_equal(again.xy, pts.xy)  # exactly: a link reproduces the data


def test_points_are_read_only():
    pts = P.validate({"pts": [[0, 0, 1]]}).pts
    with pytest.raises(ValueError):
        pts.xy[0, 0] = 1


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([[3, 0, 0]], "within [-2, 2]"),
        ([[0, 0, 3]], "classes must be from 0 to 2"),
        ([[0, 0]], "must be [x, y, class]"),
        ([[0, 0, 0.5]], "whole number"),
        ([[0, "a", 0]], "expected a number"),
        ([[0, 0, 0]] * 51, "at most 50 points"),
        ("abc", "4 characters a point"),
        ("A" * 400, "at most 50 points"),
        ("!!!!", "base64url"),
        (5, "expected a list"),
    ],
)
def test_bad_points_name_the_parameter_and_bounds(raw, words):
    with pytest.raises(ParamError) as e:
        P.validate({"pts": raw})
    assert e.value.name == "pts" and words in str(e.value)


def test_a_point_code_with_a_class_out_of_range_is_refused():
    word = (3 << 22) | (1024 << 11) | 1024  # class 3 of 3 classes
    code = base64.urlsafe_b64encode(word.to_bytes(3, "big")).decode()
    with pytest.raises(ParamError, match="classes"):
        P.validate({"pts": code})


def test_pixels_round_trip_and_blank_is_the_empty_string():
    a = np.zeros((6, 8), dtype=np.uint8)
    a[2:4, 3:6] = 255
    a[5, 7] = 17
    v = P.validate({"img": a.tolist()})
    np.testing.assert_array_equal(v.img.array, a)
    code = P["img"].to_url(v.img)
    assert code.startswith("z")
    assert P.validate({"img": code}).img == v.img
    assert P["img"].to_url(P.defaults().img) == ""
    assert not P.validate({"img": ""}).img.array.any()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([[0] * 8] * 5, "6×8"),
        ([[0] * 7] * 6, "6×8"),
        ([[256] * 8] * 6, "0 to 255"),
        ("zzzz", "does not decompress"),
        ("q" + "A" * 8, "starts with 'z'"),
        ("z" + base64.urlsafe_b64encode(zlib.compress(bytes(47))).decode(), "6×8 image"),
        ("z" + base64.urlsafe_b64encode(zlib.compress(bytes(10**6))).decode(), "6×8 image"),
        (3, "expected a 6×8 image"),
    ],
)
def test_bad_pixels_are_refused_with_the_expected_size(raw, words):
    with pytest.raises(ParamError) as e:
        P.validate({"img": raw})
    assert e.value.name == "img" and words in str(e.value)


def test_intlist_parses_url_and_json_and_checks_bounds():
    assert P.validate({"widths": "4,8,2"}).widths == (4, 8, 2)
    assert P.validate({"widths": [1]}).widths == (1,)
    assert P.validate({"widths": ""}).widths == ()
    assert P["widths"].to_url((4, 8)) == "4,8"
    with pytest.raises(ParamError, match="0 to 4 entries"):
        P.validate({"widths": [1] * 5})
    with pytest.raises(ParamError, match="from 1 to 32"):
        P.validate({"widths": [1000]})
    with pytest.raises(ParamError, match="from 1 to 32"):
        P.validate({"widths": "8,2.5"})


def test_schema_describes_each_input_kind():
    schema = {p["name"]: p for p in P.schema()}
    assert schema["pts"] | {"default": ""} == schema["pts"]
    assert {"type": "points", "extent": [-2.0, 2.0], "max_count": 50, "classes": 3}.items() <= (
        schema["pts"].items()
    )
    assert {"type": "pixels", "width": 8, "height": 6}.items() <= schema["img"].items()
    assert {"type": "intlist", "max_len": 4, "default": [8]}.items() <= schema["widths"].items()
