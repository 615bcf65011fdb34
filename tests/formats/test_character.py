"""formats/character.py's FaceFit: what the CLI, batch and the add-on read of how a face was found."""

import pytest

from styletalk_core.formats.character import MOUTHS, FaceFit
from styletalk_core.formats.errors import InputError


def test_a_face_fit_goes_through_the_additions_extras_and_reads_back_the_same():
    fit = FaceFit("detection (top 30%)", 6.25, "Head", "-y, +z up", "sealed", ("Teeth", "Tongue"))
    extras = {"face_fit": fit.to_json()}
    assert extras["face_fit"]["follow_jaw"] == ["Teeth", "Tongue"]  # JSON: a list
    assert FaceFit.of(extras) == fit
    said = fit.describe()
    assert said.startswith("face found by detection (top 30%) with the face towards -y, +z up, fit residual 6.2")
    assert said.endswith(MOUTHS["sealed"])
    assert MOUTHS["sealed"] not in FaceFit("mask", 3.0, "Head", "+z, +y up", "opening").describe()


def test_no_record_is_none_and_a_foreign_record_is_one_line():
    assert FaceFit.of({}) is None and FaceFit.of({"face_fit": "text"}) is None
    with pytest.raises(InputError, match="unknown fields"):
        FaceFit.of({"face_fit": {"found_by": "mask", "colour": "red"}})
