"""A character's basis from its own keys: keys that are our basis on our mesh, moved and scaled, come back as our
basis."""

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.retarget.targets import character_basis, solve_onto


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
