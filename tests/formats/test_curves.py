"""The curves file: saved and read back as it was (.npz and .json), and each defect one line naming
the file."""

import json

import numpy as np
import pytest

from styletalk_core.formats.curves import Curves, load_curves
from styletalk_core.formats.errors import InputError


def test_curves_round_trip_with_their_pose_rate_and_meta(tmp_path):
    rng = np.random.default_rng(0)
    curves = Curves(exp=rng.normal(size=(5, 64)), pose=rng.normal(size=(5, 9)), fps=25.0, meta={"audio": "a.wav"})
    curves.save(tmp_path / "c.npz")
    back = load_curves(tmp_path / "c.npz")
    np.testing.assert_array_equal(back.exp, curves.exp.astype(np.float32))
    np.testing.assert_array_equal(back.pose, curves.pose.astype(np.float32))
    assert back.fps == 25.0 and back.frames == 5 and back.audio == "a.wav"
    (tmp_path / "c.json").write_text(json.dumps({"fps": 30, "exp": [[0.5] * 64] * 3}))
    from_json = load_curves(tmp_path / "c.json")
    assert from_json.pose is None and from_json.exp.shape == (3, 64) and from_json.fps == 30


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ({"exp": np.zeros((3, 10))}, "(3, 10)"),
        ({"exp": np.full((3, 64), np.nan)}, "NaN"),
        ({"exp": np.zeros((3, 64)), "fps": np.float32(0.001)}, "fps"),
        ({"exp": np.zeros((3, 64)), "pose": np.zeros((2, 9))}, "pose"),
    ],
)
def test_a_defective_curves_file_is_one_line_naming_it(tmp_path, content, says):
    path = tmp_path / "bad.npz"
    np.savez(path, **content)
    with pytest.raises(InputError) as err:
        load_curves(path)
    assert str(err.value).startswith(str(path)) and says in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(InputError, match="not found"):
        load_curves(tmp_path / "none.npz")
