"""The embedded face model: shapes, a valid open-mouth mesh, expression moves the lips."""

import numpy as np

from styletalk_core.face.face_model import LIP_VERTICES, load_face_model, triangles_from_edges


def test_model_file_is_consistent():
    m = load_face_model()
    assert m.mean.shape == (468, 3) and m.basis.shape == (64, 468, 3)
    assert m.triangles.shape[1] == 3 and 800 < len(m.triangles) < 900
    assert m.triangles.min() == 0 and m.triangles.max() == 467
    err = m.provenance["held_out_lip_error_px"][str(m.provenance["ridge_lambda"])]
    assert err["model"] < 0.7 * err["per_clip_mean_baseline"]
    # every triangle faces the camera in the neutral shape (consistent winding)
    v = m.mean[m.triangles]
    assert (np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])[:, 2] <= 0).all()


def test_mouth_opens_with_jaw_coefficient():
    m = load_face_model()
    upper, lower = 13, 14  # inner lip midpoints
    exp = np.zeros((2, 64), np.float32)
    exp[1, 0] = -2.0  # coefficient 0 opens the jaw in the BFM expression basis
    v = m.vertices(exp)
    gap = v[:, lower, 1] - v[:, upper, 1]
    assert gap[1] > gap[0] + 5  # pixels at 256x256
    moved = np.linalg.norm(v[1] - v[0], axis=1)
    assert moved[list(LIP_VERTICES)].mean() > 3 * np.median(moved)


def test_spurious_clique_removed():
    # a square split by one diagonal, plus a vertex whose edges make an extra clique over the diagonal
    edges = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 4), (2, 4), (1, 4), (3, 4)]
    tris = {tuple(t) for t in triangles_from_edges(edges).tolist()}
    count = {}
    for t in tris:
        for e in [(t[0], t[1]), (t[0], t[2]), (t[1], t[2])]:
            count[e] = count.get(e, 0) + 1
    assert max(count.values()) <= 2
