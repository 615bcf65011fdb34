"""Style clips and poses from files: the official .mat's slices, an .npz's own arrays, and every
defect one line naming the file; a pose fitted to the curves' length."""

import numpy as np
import pytest
import scipy.io

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.layout import ANGLE_SLICE, EXP_SLICE, TRANS_SLICE
from styletalk_core.style.clip import fit_pose_length, load_expression, load_pose


def test_expression_and_pose_come_from_the_official_slices(tmp_path):
    rng = np.random.default_rng(0)
    coeff = rng.normal(size=(5, 257)).astype(np.float32)
    transform = rng.normal(size=(5, 5)).astype(np.float32)
    path = tmp_path / "clip.mat"
    scipy.io.savemat(path, {"coeff": coeff, "transform_params": transform})
    np.testing.assert_array_equal(load_expression(path), coeff[:, EXP_SLICE])
    pose = load_pose(path)
    np.testing.assert_array_equal(pose[:, :3], coeff[:, ANGLE_SLICE])
    np.testing.assert_array_equal(pose[:, 3:6], coeff[:, TRANS_SLICE])
    np.testing.assert_array_equal(pose[:, 6:], transform[:, 2:5])
    np.savez(tmp_path / "own.npz", exp=coeff[:, :64], pose=pose)
    assert load_expression(tmp_path / "own.npz").shape == (5, 64) and load_pose(tmp_path / "own.npz").shape == (5, 9)


@pytest.mark.parametrize(
    ("arrays", "says"),
    [
        ({"exp": np.zeros((0, 64))}, "'exp' has shape (0, 64)"),
        ({"exp": np.zeros((3, 63))}, "'exp' has shape (3, 63)"),
        ({"coeff": np.zeros((3, 200))}, "'coeff' has shape (3, 200)"),
        ({"other": np.zeros(3)}, "no 'coeff' (frames, 257) or 'exp' (frames, 64) array; found ['other']"),
        ({"exp": np.full((3, 64), np.inf)}, "expression"),
    ],
)
def test_a_clip_that_cannot_be_a_style_is_one_line_naming_it(tmp_path, arrays, says):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputError) as err:
        load_expression(path)
    assert str(err.value).startswith(str(path)) and says in str(err.value)
    with pytest.raises(InputError, match="needs 'coeff' and 'transform_params'"):
        load_pose(path)


def test_a_pose_is_cut_or_held_to_the_curves_length():
    pose = np.arange(18, dtype=np.float32).reshape(2, 9)
    assert fit_pose_length(pose, 1).shape == (1, 9)
    held = fit_pose_length(pose, 4)
    assert held.shape == (4, 9) and (held[2:] == pose[1]).all()
