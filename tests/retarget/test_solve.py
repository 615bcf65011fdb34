"""The bounded solve for a character's own keys (ARKit's among them): weights in range, no worse than clipping
least squares, smooth from frame to frame."""

import numpy as np

from styletalk_core.retarget.solve import SolveSettings, objective, solve_weights


def test_solve_is_bounded_and_no_worse_than_clipping_least_squares():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(12, 60))
    truth = np.clip(rng.normal(0.4, 0.4, size=(80, 12)), 0, 1)
    targets = truth @ basis + 0.05 * rng.normal(size=(80, 60))
    settings = SolveSettings(l2=1e-6, smooth=1e-6, iterations=400)
    w = solve_weights(basis @ basis.T, targets @ basis.T, settings)
    assert w.min() >= 0 and w.max() <= 1
    clipped = np.clip(np.linalg.lstsq(basis.T, targets.T, rcond=None)[0].T, 0, 1)
    assert objective(basis, targets, w, settings) <= objective(basis, targets, clipped, settings) + 1e-6
    assert np.abs(w - truth).mean() < 0.05


def test_smoothness_reduces_frame_to_frame_jitter():
    rng = np.random.default_rng(1)
    basis = rng.normal(size=(6, 30))
    targets = np.clip(rng.random((200, 6)), 0, 1) @ basis
    rough = solve_weights(basis @ basis.T, targets @ basis.T, SolveSettings(smooth=0))
    smooth = solve_weights(basis @ basis.T, targets @ basis.T, SolveSettings(smooth=0.5))
    assert np.abs(np.diff(smooth, axis=0)).mean() < 0.5 * np.abs(np.diff(rough, axis=0)).mean()
