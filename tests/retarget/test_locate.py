"""retarget/locate.py's own logic, without a character file: the user's hints, the front view, the
mask's refusals, welding seams, and the gate that refuses points no face gives."""

import numpy as np
import pytest

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.character import Character, Part
from styletalk_core.formats.errors import InputError
from styletalk_core.retarget.correspondence import SurfacePoints
from styletalk_core.retarget.locate import (
    CONVENTIONS,
    MAX_FIT_RMS_PX,
    FaceGeometry,
    FaceHints,
    face_geometry,
    load_mask,
    to_front_view,
    weld,
)


def test_every_usual_convention_turns_its_front_to_z_and_its_up_to_y():
    assert FaceHints().axes == "+z, +y up" and FaceHints("-y", "+z").axes == "-y, +z up"
    for front, up in CONVENTIONS:
        rot = to_front_view(front, up)
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(rot) == pytest.approx(1.0)  # a turn, never a mirror
        f, u = (
            np.array(v, float) for v in ({"+": 1, "-": -1}[a[0]] * np.eye(3)["xyz".index(a[1])] for a in (front, up))
        )
        np.testing.assert_allclose(rot @ f, [0, 0, 1], atol=1e-12)
        np.testing.assert_allclose(rot @ u, [0, 1, 0], atol=1e-12)
    with pytest.raises(InputError, match="perpendicular"):
        to_front_view("+z", "-z")
    with pytest.raises(InputError, match="axes are one of"):
        to_front_view("up", "+y")


def test_a_mask_that_is_not_a_face_mask_is_one_line(tmp_path):
    rot = np.eye(3)
    assert load_mask(None, rot) is None
    cases = {
        "wrong.npz": (b"", "a NumPy .npy file"),
        "shape.npy": (np.zeros((10, 3)), "(468, 3)"),
        "text.npy": (np.array(["a"] * 1404).reshape(468, 3), "holds numbers"),
        "far.npy": (np.full((468, 3), 1e12), "within"),
        "line.npy": (np.outer(np.arange(468.0), [1, 2, 3]), "one line"),
    }
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            np.save(path, data)
        with pytest.raises(InputError, match=expected.replace("(", r"\(").replace(")", r"\)")) as err:
            load_mask(path, rot)
        assert name in str(err.value) and "\n" not in str(err.value)
    good = np.random.default_rng(0).normal(size=(468, 3))
    np.save(tmp_path / "good.npy", good)
    turn = to_front_view("-y", "+z")
    np.testing.assert_allclose(load_mask(tmp_path / "good.npy", turn), good @ turn.T)


def test_welding_joins_seams_and_keeps_distinct_vertices():
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 1e-9], [0, 0, 1]], float)
    first, inverse = weld(v)
    assert len(first) == 4 and inverse[1] == inverse[3]  # the seam's copy, within 1e-7 of the extent
    np.testing.assert_array_equal(v[first][inverse][[0, 2, 4]], v[[0, 2, 4]])


def test_a_geometry_turned_to_other_axes_is_the_one_made_for_them():
    """The axis conventions tried when the given axes show no face turn the welded geometry once made,
    not classify and weld the part again for each: the same vertices, triangles and skin."""
    rng = np.random.default_rng(4)
    head = Part("Head", rng.normal(size=(40, 3)), rng.integers(0, 40, (60, 3)), np.eye(4))
    eyes = Part("Eyes", 0.1 * rng.normal(size=(8, 3)), rng.integers(0, 8, (6, 3)), np.eye(4))
    character = Character("character", [head, eyes])
    rot = to_front_view("+z", "+y")
    made = face_geometry(character, rot)
    for front, up in CONVENTIONS[1:]:
        to = to_front_view(front, up)
        want, got = face_geometry(character, to), made.turned(rot, to)
        np.testing.assert_allclose(got.view, want.view, atol=1e-12)
        assert np.array_equal(got.tris, want.tris) and np.array_equal(got.skin, want.skin)


def test_the_gate_refuses_points_no_face_gives_and_passes_our_own_face():
    face = load_face_model()
    tris = face.triangles.astype(np.int64)
    # our 468 points as surface points on our own mesh: each at a corner of a triangle holding it
    holder = {int(v): t for t, tri in enumerate(tris) for v in tri}
    index = np.array([holder[i] for i in range(len(face.mean))])
    weights = (tris[index] == np.arange(len(face.mean))[:, None]).astype(float)
    points = SurfacePoints(index, weights)
    geo = FaceGeometry(None, None, None, face.mean.astype(np.float64), tris, np.ones(len(tris), bool))
    from styletalk_core.retarget import locate

    assert locate._fit_rms(points, geo.view, geo.tris) < 1e-6
    jumbled = SurfacePoints(np.random.default_rng(1).permutation(index), weights)
    assert locate._fit_rms(jumbled, geo.view, geo.tris) > MAX_FIT_RMS_PX  # points no face gives


def test_a_flattened_or_degenerate_face_part_is_one_line():
    from styletalk_core.retarget import locate

    vertices = np.random.default_rng(2).normal(size=(50, 3))
    tris = np.array([[0, 1, 2], [2, 3, 4]])
    flat = Part("Head", vertices, tris, np.diag([1.0, 1.0, 0.0, 1.0]))
    with pytest.raises(InputError, match="'Head' has a transform that flattens it"):
        locate._usable(Character("head.npz", [flat]), flat)
    line = Part("Head", np.outer(np.arange(50.0), [1, 0, 0]), tris, np.eye(4))
    with pytest.raises(InputError, match="on one line"):
        locate._usable(Character("head.npz", [line]), line)
    locate._usable(Character("head.npz", [line]), Part("Head", vertices, tris, np.eye(4)))  # a surface: fine
