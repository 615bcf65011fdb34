"""The character's mouth: teeth and a tongue in the head mesh follow a jaw that moves rigidly."""

import numpy as np


def test_teeth_follow_a_jaw_that_moves_rigidly():
    from styletalk_core.face.landmarks import JAW_POINTS
    from styletalk_core.retarget.mouth import fit_jaw

    rng = np.random.default_rng(3)
    p = rng.normal(size=(468, 3))
    w, t = np.array([0.02, -0.01, 0.03]), np.array([0.1, -0.3, 0.05])  # a small rotation, a translation
    c = p[list(JAW_POINTS)].mean(0)
    moved = np.zeros((2, 468, 3))
    moved[0] = t + np.cross(w, p - c)  # key 0: the jaw moves rigidly
    teeth = rng.normal(size=(30, 3))
    got = fit_jaw(moved, p).at(teeth)
    np.testing.assert_allclose(got[0], t + np.cross(w, teeth - c), atol=1e-9)
    np.testing.assert_allclose(got[1], 0, atol=1e-12)  # key 1 does not move the jaw
