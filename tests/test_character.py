"""A character of another topology (an ICT-FaceKit identity, 26k vertices): found on its front render,
and its own shape keys, under names nothing can match, solved to reproduce our lip motion."""

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.retarget.targets import character_basis, solve_onto
from styletalk_core.style.clip import load_expression

from .conftest import sample_files, shared_path
from .ict_characters import fit_identity, identity, landmark_map, load_ict


def test_identity_is_found_and_its_own_keys_carry_our_lip_motion():
    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()
    verts = identity(ict, 1.0, np.random.default_rng(3))
    exp = load_expression(sample_files("source_video/3DMM", "*.mat")[0])
    r = fit_identity(ict, verts, landmark_map(ict), exp)
    assert r["lip r"] >= 0.9 and r["landmark err"] < 0.05 and r["fit rms px"] < 10


def test_character_basis_is_a_similarity_of_the_keys():
    """Keys that are our own basis, on our own mesh moved and scaled, come back as our basis."""
    from styletalk_core.retarget.correspondence import SurfacePoints

    face = load_face_model()
    tris = face.triangles.astype(np.int64)
    corner = {v: (t, k) for t, tri in enumerate(tris) for k, v in enumerate(tri)}
    tri_of = np.array([corner[v][0] for v in range(len(face.mean))])
    weights = np.zeros((len(face.mean), 3))
    weights[np.arange(len(face.mean)), [corner[v][1] for v in range(len(face.mean))]] = 1.0
    points = SurfacePoints(tri_of, weights)  # each of our vertices exactly
    neutral = 0.01 * face.mean + 3.0
    keys, rms = character_basis(points, tris, neutral, 0.01 * face.basis[:5], face)
    assert rms < 1e-3
    np.testing.assert_allclose(keys, face.basis[:5], atol=1e-4)
    exp = np.zeros((4, 64))
    exp[:, 2] = [0, 0.3, 0.6, 0.9]
    w = solve_onto(exp, keys, face)
    np.testing.assert_allclose(w[:, 2], exp[:, 2], atol=0.02)
