"""Morph-target weights every importer keeps: signed keys become positive and negative targets whose
weights stay within [0, 1] and together move the mesh as the signed key did."""

import numpy as np

from styletalk_core.formats.morph import unit_targets, unit_weights


def test_signed_keys_split_into_unit_targets_that_add_back_to_the_key():
    values = np.array([[0.2, -3.0, 0.0], [0.9, 4.0, -0.5], [0.0, 1.0, -0.2]])
    targets = unit_targets(["in", "both", "neg"], values)
    assert [(t.name, t.source, t.scale) for t in targets] == [
        ("in", 0, 1.0),
        ("both_pos", 1, 4.0),
        ("both_neg", 1, -4.0),
        ("neg_neg", 2, -1.0),
    ]
    weights = unit_weights(targets, values)
    assert weights.min() >= 0 and weights.max() <= 1
    offsets = np.random.default_rng(0).normal(size=(3, 5, 3))  # each key's offset of 5 vertices
    want = np.tensordot(values, offsets, 1)
    written = np.stack([t.scale * offsets[t.source] for t in targets])
    np.testing.assert_allclose(np.tensordot(weights, written, 1), want, atol=1e-12)


def test_no_keys_and_no_frames_are_empty_not_an_error():
    assert unit_weights([], np.zeros((4, 0))).shape == (4, 0)
    assert [t.name for t in unit_targets(["a"], np.zeros((0, 1)))] == ["a"]
