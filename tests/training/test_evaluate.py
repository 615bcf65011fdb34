"""`styletalk evaluate` and `styletalk train` through the CLI (README commands)."""

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.training.evaluate import landmark_distance, shuffle_runs


def test_landmark_distance_and_shuffle():
    face = load_face_model()
    exp = np.random.default_rng(0).normal(size=(5, 64)).astype(np.float32)
    same = landmark_distance(exp, exp, face)
    assert same.mouth == 0 and same.face == 0 and abs(same.motion - 1) < 1e-6
    moved = exp.copy()
    moved[:, 0] += 1.0  # jaw coefficient: lips move more than the face on average
    d = landmark_distance(moved, exp, face)
    assert d.mouth > d.face > 0 and abs(d.motion - 1) < 1e-4  # a constant offset does not change movement
    still = landmark_distance(np.repeat(exp.mean(0, keepdims=True), 5, 0), exp, face)
    half = landmark_distance(exp.mean(0) + 0.5 * (exp - exp.mean(0)), exp, face)
    assert still.motion < 1e-4 and abs(half.motion - 0.5) < 1e-3
    ids = np.array([1, 1, 2, 2, 2, 3, 4, 4])
    shuffled = shuffle_runs(ids, np.random.default_rng(1))
    assert sorted(shuffled.tolist()) == sorted(ids.tolist())
