"""The embedded face model: shapes, a valid open-mouth mesh, expression moves the lips."""

import numpy as np

from styletalk_core.face.face_model import load_face_model, triangles_from_edges
from styletalk_core.face.landmarks import LIP_VERTICES


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


def test_the_lip_landmark_sets_agree_with_each_other_and_with_our_face():
    """face.landmarks is the one home of the lip sets: they nest as their names say, and on our mean
    face (y down) each upper-lip point lies above the lower-lip point across from it."""
    from styletalk_core.face import landmarks as lm

    upper, lower = set(lm.UPPER_LIP), set(lm.LOWER_LIP)
    assert set(lm.MOUTH_CORNERS) == upper & lower and set(lm.LIP_VERTICES) == upper | lower
    assert set(lm.INNER_UPPER) < upper and set(lm.INNER_LOWER) < lower
    assert not set(lm.MOUTH_CORNERS) & (set(lm.INNER_UPPER) | set(lm.INNER_LOWER))
    assert all(u in lm.INNER_UPPER and d in lm.INNER_LOWER for u, d in lm.INNER_LIP_PAIRS)
    assert lm.LIP_MIDDLES in lm.INNER_LIP_PAIRS
    mean = load_face_model().mean
    for u, d in zip(lm.INNER_UPPER, lm.INNER_LOWER, strict=True):
        assert mean[u, 1] < mean[d, 1] and abs(mean[u, 0] - mean[d, 0]) < 3.0
    right, left = lm.MOUTH_CORNERS[:2]
    assert mean[right, 0] < mean[left, 0]  # the subject's right corner on the image's left
