"""formats.placed and retarget.landmarks: points placed by hand on a face the detector cannot read."""

import json

import numpy as np
import pytest

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.placed import load_placed
from styletalk_core.retarget.landmarks import FLIP, conform

from ..conftest import REPO, shared_path
from ..formats.test_placed import _ours

ROBOT_LANDMARKS = REPO / "benchmarks" / "landmarks" / "RobotExpressive.json"


def test_our_own_face_placed_anywhere_is_conformed_exactly(tmp_path):
    a = np.radians(30)
    turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    placed = {n: (0.01 * turn @ np.array(p) + [1, 2, 3]).tolist() for n, p in _ours().items()}
    path = tmp_path / "marks.json"
    path.write_text(json.dumps(placed))
    conformed, rms = conform(load_placed(path), turn.T)  # the character's axes -> the front view
    expected = (0.01 * (load_face_model().mean * FLIP) + np.array([1, 2, 3]) @ turn) @ np.eye(3)
    assert rms < 1e-6
    np.testing.assert_allclose(conformed[:, :2], expected[:, :2], atol=1e-9)


@pytest.mark.slow
def test_a_robot_with_placed_landmarks_gets_keys_and_its_sealed_mouth_said(blender, shared, tmp_path, capsys):
    from styletalk_core.cli import main
    from styletalk_core.formats.character import load_additions

    robot = shared_path("characters", "RobotExpressive.glb")
    curves = tmp_path / "c.npz"
    exp = np.zeros((4, 64), np.float32)
    exp[1:, :8] = 2.0
    np.savez(curves, exp=exp)
    out, solved = tmp_path / "robot.npz", tmp_path / "solved.npz"

    def retarget(*extra: str) -> int:
        return main(["retarget", "--mesh", str(robot), "--curves", str(curves), *extra])

    assert retarget("-o", str(out)) == 2
    assert "place landmarks (--landmarks)" in capsys.readouterr().err
    assert retarget("--landmarks", str(ROBOT_LANDMARKS), "-o", str(out)) == 0
    said = capsys.readouterr().out
    assert "on Head" in said and "found by landmarks" in said and "the lips move but cannot part" in said
    added, *others = load_additions(out)
    assert not others  # one part
    assert added.part == "Head" and len(added.names) == 64 and np.isfinite(added.offsets).all()
    assert np.abs(added.offsets).max() > 0
    # its own three keys (Angry, Surprised, Sad) cannot open a mouth it does not have: said, not hidden
    assert retarget("--landmarks", str(ROBOT_LANDMARKS), "--solve", "-o", str(solved)) == 0
    said = capsys.readouterr()
    assert "its own keys solved" in said.out and "cannot reproduce the lips' motion" in said.err


def test_points_no_face_gives_are_refused_a_stylised_face_is_not(tmp_path):
    """Nine of ten points bunched at the chin (each a little apart) fit no face: one line with the
    residual; the robot's hand-placed points (a stylised face, 35 px from ours) pass."""
    from styletalk_core.retarget.landmarks import MAX_PLACED_RMS_PX, placed_points

    robot = load_placed(ROBOT_LANDMARKS)
    assert conform(robot, np.eye(3))[1] < MAX_PLACED_RMS_PX / 2
    ours = _ours()
    chin = np.array(ours["chin"])
    bunched = {n: (chin + [0.5 * i, 0.4 * (i % 3), 0.0]).tolist() for i, n in enumerate(ours)}
    bunched["mouth_left"] = ours["mouth_left"]
    path = tmp_path / "bunched.json"
    path.write_text(json.dumps(bunched))
    tris = np.array([[0, 1, 2]])
    vertices = np.array([[-1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 1.0, 0.0]])
    with pytest.raises(InputError, match=r"do not fit a face's proportions \(residual \d+ px") as err:
        placed_points(load_placed(path), np.eye(3), vertices, tris, None, str(path))
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    far = {n: (np.array(p) + [1e6, 0, 0]).tolist() for n, p in ours.items()}  # another frame's coordinates
    path.write_text(json.dumps(far))
    with pytest.raises(InputError, match="'chin' is outside the character's face seen from the front"):
        placed_points(load_placed(path), np.eye(3), np.array(list(ours.values())) * [1, 1, 0], tris, None, str(path))
