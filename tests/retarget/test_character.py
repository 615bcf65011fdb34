"""A character of another topology (an ICT-FaceKit identity, 26k vertices): found on its front render,
and its own shape keys, under names nothing can match, solved to reproduce our lip motion."""

import io

import numpy as np
import pytest

from styletalk_core.face.face_model import load_face_model, mouth_opening
from styletalk_core.style.clip import load_expression

from ..conftest import sample_files, shared_path
from ..ict_characters import fit_identity, identity, landmark_map, load_ict, opening_at_points


@pytest.mark.slow
def test_identity_is_found_and_its_own_keys_carry_our_lip_motion(shared):
    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()
    verts = identity(ict, 1.0, np.random.default_rng(3))
    exp = load_expression(sample_files("source_video/3DMM", "*.mat")[0])
    r = fit_identity(ict, verts, landmark_map(ict), exp)
    assert r["lip r"] >= 0.9 and r["landmark err"] < 0.05 and r["fit rms px"] < 10


def _obj(path, verts, tris):
    with open(path, "w") as f:
        f.write("".join(f"v {a:.6f} {b:.6f} {c:.6f}\n" for a, b, c in verts))
        f.write("".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in tris))
    return path


@pytest.mark.slow
def test_retarget_solve_animates_the_characters_own_targets(shared, tmp_path):
    """The add-on's hand-over (.npz in world space, y up here) with the face's own keys: the result
    animates those keys, and through them the lips move as ours."""
    from styletalk_core.cli import main
    from styletalk_core.formats.character import Character, Part, load_additions, save_character

    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()
    verts = identity(ict, 1.0, np.random.default_rng(7))
    own = {f"shape_{i:02d}": d for i, d in enumerate(ict["expression_deltas"])}  # names nothing can match
    part = Part("rig", verts, ict["tris"], np.eye(4), tuple(own), np.stack(list(own.values())).astype(np.float32))
    rig = tmp_path / "rig.npz"
    save_character(Character("rig", [part]), rig)
    mat = sample_files("source_video/3DMM", "*.mat")[0]
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=load_expression(mat), fps=np.float32(30))
    out = tmp_path / "rig_talking.npz"
    assert main(["retarget", "--mesh", str(rig), "--curves", str(curves), "--solve", "-o", str(out)]) == 0
    got, *others = load_additions(out)
    assert not others  # no other part
    assert got.part == "rig" and got.animated == tuple(own) and not got.names
    assert got.weights.min() >= 0 and got.weights.max() <= 1
    frames = verts[None] + np.tensordot(got.weights, part.targets, 1)
    ours = mouth_opening(np.tensordot(load_expression(mat), load_face_model().basis, 1))
    assert np.corrcoef(opening_at_points(ict, verts, frames), ours)[0, 1] >= 0.9


@pytest.mark.slow
def test_retarget_refuses_what_is_not_a_face(blender, shared, tmp_path, capsys):
    from styletalk_core.cli import main

    shared_path("ict_facekit", "ict_facekit.npz")
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((3, 64), np.float32))
    g = np.linspace(-1, 1, 12)
    x, y = np.meshgrid(g, g)
    sphere = np.stack([x.ravel(), y.ravel(), np.sqrt(np.clip(2 - x.ravel() ** 2 - y.ravel() ** 2, 0, None))], 1)
    grid = np.arange(144).reshape(12, 12)
    quads = np.stack([grid[:-1, :-1], grid[:-1, 1:], grid[1:, 1:]], -1).reshape(-1, 3)
    cases = {"sphere": _obj(tmp_path / "sphere.obj", sphere, quads)}
    cube = tmp_path / "cube.obj"
    cube.write_text("v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3\nf 1 3 4\n")
    cases["cube"] = cube
    (tmp_path / "points.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\n")
    cases["no faces"] = tmp_path / "points.obj"
    ict = load_ict()
    for degrees in (70,):  # a head facing between the usual axes: no face, or a fit no face gives
        a = np.radians(degrees)
        turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        cases[f"turned {degrees}"] = _obj(tmp_path / f"turned{degrees}.obj", ict["neutral"] @ turn.T, ict["tris"])
    for name, mesh in cases.items():
        before = sorted(p.name for p in tmp_path.iterdir())
        assert main(["retarget", "--mesh", str(mesh), "--curves", str(curves), "-o", str(tmp_path / "o.glb")]) == 2, (
            name
        )
        err = capsys.readouterr().err.strip().splitlines()
        expected = ("no face found", "has no mesh with faces", "do not fit a face")
        assert len(err) == 1 and any(e in err[0] for e in expected), (name, err)
        assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_bad_face_mask_is_one_line(blender, shared, tmp_path, capsys):
    from styletalk_core.cli import main

    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()
    mesh = _obj(tmp_path / "head.obj", ict["neutral"], ict["tris"])
    np.save(tmp_path / "short.npy", np.zeros((10, 3)))
    np.save(tmp_path / "words.npy", np.array(["a", "b"]))
    np.save(tmp_path / "nan.npy", np.full((468, 3), np.nan))
    np.save(tmp_path / "far.npy", np.full((468, 3), 1e308))
    np.save(tmp_path / "all_at_one_point.npy", np.zeros((468, 3)))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 3)})
    (tmp_path / "claims.npy").write_bytes(header.getvalue() + bytes(64))
    (tmp_path / "mask.txt").write_text("0 0 0")
    for mask, expected in (
        ("short.npy", "(468, 3) finite"),
        ("words.npy", "holds numbers"),
        ("nan.npy", "finite"),
        ("far.npy", "within ±1e+09"),
        ("all_at_one_point.npy", "lie at one point or on one line"),
        ("claims.npy", "claims 1000000000000x3 values"),
        ("mask.txt", "a face mask is a NumPy .npy"),
        ("missing.npy", "not found"),
    ):
        before = sorted(p.name for p in tmp_path.iterdir())
        assert (
            main(["retarget", "--mesh", str(mesh), "--mask", str(tmp_path / mask), "-o", str(tmp_path / "o.glb")]) == 2
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0] and mask in err[0], (mask, err)
        assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.slow
def test_a_head_facing_another_usual_axis_is_found_and_the_axes_said(blender, shared, tmp_path, capsys):
    from styletalk_core.cli import main

    ict = load_ict()
    turn = np.array([[0.0, 0, 1], [0, 1, 0], [-1, 0, 0]])  # +z -> +x: facing +x, y up
    mesh = _obj(tmp_path / "turned.obj", ict["neutral"] @ turn.T, ict["tris"])
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((3, 64), np.float32))
    assert main(["retarget", "--mesh", str(mesh), "--curves", str(curves), "-o", str(tmp_path / "o.npz")]) == 0
    out = capsys.readouterr().out
    assert "found by detection (whole part) with the face towards +x, +y up" in out, out


@pytest.mark.slow
def test_a_full_body_face_is_found_head_first(blender, shared):
    from styletalk_core.retarget.locate import find_face

    found = find_face(shared_path("characters", "makehuman_body_expr.glb"))
    assert found.found_by.startswith("detection (top") and found.axes == "+z, +y up"
    assert found.rms < 12.0  # an edge-on triangle no longer pulls outline points onto the eyes (was 15 px)
    mouth = found.points.positions(found.geo.view, found.geo.tris)[[13, 14]].mean(0)
    height = np.ptp(found.geo.view[:, 1])
    assert mouth[1] > found.geo.view[:, 1].max() - 0.15 * height  # on the head, not the hips


@pytest.mark.slow
def test_teeth_in_the_head_mesh_follow_the_jaw_and_a_sealed_mouth_is_said(blender, shared):
    from styletalk_core.retarget.character import character_keys
    from styletalk_core.retarget.locate import find_face
    from styletalk_core.retarget.topology import components

    sealed = character_keys(find_face(shared_path("characters", "LeePerrySmith.glb")))[0]
    assert sealed.extras["face_fit"]["mouth"] == "sealed"
    found = find_face(shared_path("characters", "makehuman_head_expr.glb"))
    keys, *others = character_keys(found)
    assert not others  # teeth and tongue are in the head mesh
    assert keys.extras["face_fit"]["mouth"] == "opening"  # its own mouth line parts the lips
    part = found.geo.part
    label = components(part.triangles, len(part.vertices))
    skin = np.bincount(label).argmax()
    mouth = found.points.positions(found.geo.view, found.geo.tris)[[13, 14]].mean(0)
    pieces = {}
    for k in np.setdiff1d(np.unique(label), [skin]):
        centre = (part.vertices[label == k] @ found.rot.T).mean(0)
        if np.linalg.norm(centre[:2] - mouth[:2]) < 0.3:  # the teeth and tongue (not the eyes)
            pieces[k] = centre[1] - mouth[1]
    assert len(pieces) >= 2
    deltas = np.zeros((len(keys.names), len(part.vertices), 3))
    deltas[:, keys.indices] = keys.offsets @ part.matrix[:3, :3].T  # object space -> the character's frame
    jaw_open = deltas[np.argmax(np.abs(deltas[:, label == skin]).max((1, 2)))]  # the key that moves most
    for k, height in pieces.items():
        d = jaw_open[label == k]
        if height > 0.05:  # upper teeth: still
            assert np.abs(d).max() == 0
        else:  # lower teeth, tongue: all move, rigidly (distances within the piece kept to first order)
            v = part.vertices[label == k]
            assert np.linalg.norm(d, axis=1).min() > 0
            pairs = np.random.default_rng(0).integers(0, len(v), (200, 2))
            before = np.linalg.norm(v[pairs[:, 0]] - v[pairs[:, 1]], axis=1)
            after = np.linalg.norm(
                v[pairs[:, 0]] + 1e-3 * d[pairs[:, 0]] - v[pairs[:, 1]] - 1e-3 * d[pairs[:, 1]], axis=1
            )
            assert np.abs(after - before).max() < 1e-5 * max(np.abs(d).max(), 1e-9)


def _ict_in_parts(tmp_path, with_keys: bool = False):
    """ICT's head as separate parts, as a DCC hands them over: skin, eyes, teeth, gums and tongue (each
    with an object space of its own: turned and scaled); with `with_keys`, skin and teeth carry ICT's
    ARKit-named keys."""
    from styletalk_core.formats.character import Character, Part, save_character

    ict = load_ict()
    groups = __import__("json").loads(str(ict["vertex_groups"]))
    names = tuple(str(n) for n in ict["expression_names"])
    parts = []
    wanted = {
        "Skin": ("face", "head_and_neck"),
        "Eyes": ("eyeball_left", "eyeball_right"),
        "Teeth": ("teeth",),
        "Tongue": ("gums_and_tongue",),
    }
    for i, (name, groups_of) in enumerate(wanted.items()):
        ids = np.concatenate([np.arange(groups[g][0], groups[g][1] + 1) for g in groups_of])
        index = np.full(len(ict["neutral"]), -1)
        index[ids] = np.arange(len(ids))
        matrix = np.eye(4)
        c, s = np.cos(0.5 * np.pi * i), np.sin(0.5 * np.pi * i)
        matrix[:3, :3] = 0.5 * np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])  # object space -> the character's
        keyed = with_keys and name in ("Skin", "Teeth")
        tris = index[ict["tris"][(index[ict["tris"]] >= 0).all(1)]]
        deltas = ict["expression_deltas"][:, ids].astype(np.float32) if keyed else None
        parts.append(Part(name, ict["neutral"][ids], tris, matrix, names if keyed else (), deltas))
    path = tmp_path / "ict_parts.npz"
    save_character(Character("ict_parts", parts), path)
    return path, parts


@pytest.mark.slow
def test_teeth_and_tongue_of_their_own_follow_the_jaw_and_the_eyes_stay(blender, shared, tmp_path):
    """Lower teeth and the tongue (objects of their own) get our keys and move rigidly with the jaw; the
    upper teeth and the eyes do not move."""
    from styletalk_core.formats.character import load_additions
    from styletalk_core.retarget.character import RetargetSettings, retarget_file
    from styletalk_core.retarget.topology import components

    shared_path("ict_facekit", "ict_facekit.npz")
    path, parts = _ict_in_parts(tmp_path)
    done = retarget_file(path, None, tmp_path / "out.npz", RetargetSettings(arkit=True))
    assert done.part == "Skin" and done.followers == ("Teeth", "Tongue")
    adds = {a.part: a for a in load_additions(tmp_path / "out.npz")}
    assert list(adds) == ["Skin", "Teeth", "Tongue"]
    teeth, key = parts[2], adds["Teeth"].names.index("jawOpen")
    moved = np.zeros_like(teeth.vertices)
    moved[adds["Teeth"].indices] = adds["Teeth"].offsets[key] @ teeth.matrix[:3, :3].T  # in the character's frame
    label = components(teeth.triangles, len(teeth.vertices))
    heights = {k: teeth.vertices[label == k, 1].mean() for k in np.unique(label)}
    seam = np.median(list(heights.values()))  # ICT's teeth: as many upper as lower
    lower, upper = [k for k in heights if heights[k] < seam], [k for k in heights if heights[k] > seam]
    assert len(lower) >= 8 and len(upper) >= 8
    assert all(np.abs(moved[label == k]).max() == 0 for k in upper)
    for k in lower:  # down, rigidly (distances within the tooth kept to first order)
        v, d = teeth.vertices[label == k], moved[label == k]
        assert d[:, 1].mean() < -0.1 * np.ptp(teeth.vertices[:, 1]) / 2
        pairs = np.random.default_rng(0).integers(0, len(v), (100, 2))
        stretch = np.einsum("nc,nc->n", v[pairs[:, 0]] - v[pairs[:, 1]], d[pairs[:, 0]] - d[pairs[:, 1]])
        assert np.abs(stretch).max() < 1e-4 * np.ptp(v, axis=0).max() ** 2 + 1e-9
    tongue = adds["Tongue"]
    down = (tongue.offsets[tongue.names.index("jawOpen")] @ parts[3].matrix[:3, :3].T)[:, 1]
    assert down.mean() < 0  # the tongue goes down with the jaw


@pytest.mark.slow
def test_solved_the_parts_with_the_faces_key_names_are_animated_alike(blender, shared, tmp_path):
    from styletalk_core.formats.character import load_additions
    from styletalk_core.retarget.character import RetargetSettings, retarget_file

    shared_path("ict_facekit", "ict_facekit.npz")
    path, parts = _ict_in_parts(tmp_path, with_keys=True)
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=load_expression(sample_files("source_video/3DMM", "*.mat")[0])[:60], fps=np.float32(30))
    done = retarget_file(path, curves, tmp_path / "out.npz", RetargetSettings(solve=True))
    assert done.followers == ("Teeth",)
    face, teeth = load_additions(tmp_path / "out.npz")
    assert teeth.part == "Teeth" and not teeth.names and teeth.animated == face.animated
    np.testing.assert_array_equal(teeth.weights, face.weights)
    assert face.weights[:, face.animated.index("jawOpen")].max() > 0.05
