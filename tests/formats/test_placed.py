"""Landmarks placed by hand: the file of named points, and each of its faults one line naming it."""

import json

import pytest

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.placed import PLACED_POINTS, load_placed
from styletalk_core.retarget.landmarks import FLIP


def _ours(names=tuple(PLACED_POINTS)) -> dict:
    mean = load_face_model().mean * FLIP
    return {n: mean[PLACED_POINTS[n]].tolist() for n in names}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON file of named points"),
        ("[1, 2]", "a JSON object of named points"),
        (json.dumps({**_ours(), "ear": [0, 0, 0]}), "unknown landmark 'ear'"),
        (json.dumps({**_ours(), "chin": [0, "a", 0]}), "'chin' is not three numbers"),
        (json.dumps({**_ours(), "chin": [0, 1e999, 0]}), "'chin' is not three numbers"),
        (json.dumps(_ours()).replace("[", "[1" + "0" * 400 + ", ", 1)[:-1], "not a JSON file"),
        ('{"chin": [0, 1' + "0" * 400 + ", 0]}", "'chin' is not three numbers"),
        (
            json.dumps(_ours(("chin", "nose_tip", "mouth_right", "upper_lip", "lower_lip", "eye_left_outer"))),
            "'mouth_left' is missing",
        ),
        (json.dumps(_ours(("chin", "mouth_right", "mouth_left"))), "at least 6 landmarks"),
        (json.dumps({**_ours(), "mouth_left": _ours()["mouth_right"]}), "must not coincide"),
        (json.dumps({**_ours(), "upper_lip": _ours()["lower_lip"]}), "'upper_lip' and 'lower_lip' are at one point"),
        (json.dumps({n: [i * 0.01, i * 0.02, 0.0] for i, n in enumerate(PLACED_POINTS)}), "lie on one line"),
    ],
)
def test_bad_landmarks_are_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "marks.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        load_placed(path)
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)
