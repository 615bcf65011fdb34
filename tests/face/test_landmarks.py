"""The project's one similarity fit (Umeyama): a known scale, rotation and translation come back with
no residual, a reflection is never the answer, and noise shows in the residual."""

import numpy as np

from styletalk_core.face.landmarks import similarity_fit


def _rotation(rng) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_a_known_similarity_comes_back():
    rng = np.random.default_rng(1)
    src, rot, t = rng.normal(size=(40, 3)), _rotation(rng), np.array([3.0, -2.0, 0.5])
    s, r, tr, rms = similarity_fit(src, 2.5 * src @ rot.T + t)
    assert abs(s - 2.5) < 1e-9 and rms < 1e-9
    np.testing.assert_allclose(r, rot, atol=1e-9)
    np.testing.assert_allclose(tr, t, atol=1e-9)


def test_a_mirror_image_is_fitted_by_a_rotation_with_its_residual_said():
    rng = np.random.default_rng(2)
    src = rng.normal(size=(30, 3))
    s, r, _, rms = similarity_fit(src, src * [-1, 1, 1])
    assert np.linalg.det(r) > 0 and rms > 0.1


def test_noise_shows_in_the_residual():
    rng = np.random.default_rng(3)
    src = rng.normal(size=(200, 2))
    _, _, _, rms = similarity_fit(src, src + rng.normal(0, 0.01, src.shape))
    assert 0.005 < rms < 0.02
