"""The phoneme->mouth prior: label shifts, a fit that recovers a known map and timing, the network's
prior module computing the same numbers, and the closure loss and frames."""

import numpy as np
import torch

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.labels import PHONEME_IDS, shift_labels
from styletalk_core.formats.layout import LOWER_INDICES
from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.model.network import StyleTalk
from styletalk_core.training.dataset import Clip, closing_frames
from styletalk_core.training.losses import closure_loss
from styletalk_core.training.prior import PriorSettings, fit_prior, label_leads, opening_direction


def test_shift_labels_moves_and_holds_the_ends():
    ids = np.array([1, 2, 3, 4, 5])
    assert shift_labels(ids, 2).tolist() == [1, 1, 1, 2, 3]
    assert shift_labels(ids, -1).tolist() == [2, 3, 4, 5, 5]
    assert shift_labels(ids, 0).tolist() == ids.tolist()


def _speaker_clips(rng, face, shifts):
    """Clips whose mouth opens on AA and closes on M (a known map), each speaker's labels late by its
    shift, at its own amplitude."""
    d = opening_direction(face, LOWER_INDICES)
    clips = []
    for i, (name, shift) in enumerate(shifts.items()):
        runs = rng.choice([PHONEME_IDS["AA"], PHONEME_IDS["M"], PHONEME_IDS["S"]], size=80)
        ids = np.repeat(runs, rng.integers(3, 8, size=80))[:400]
        drive = np.where(ids == PHONEME_IDS["AA"], 1.0, np.where(ids == PHONEME_IDS["M"], -1.0, 0.0))
        drive = np.convolve(drive, np.ones(3) / 3, mode="same")
        exp = np.zeros((len(ids), 64), np.float32)
        exp[:, list(LOWER_INDICES)] = (1 + i) * 0.5 * drive[:, None] * d / (d @ d)
        exp += 0.01 * rng.normal(size=exp.shape).astype(np.float32)
        clips.append(Clip(name, name, name, exp, shift_labels(ids, shift)))
    return clips


def test_fit_recovers_timing_and_opening():
    face = load_face_model()
    rng = np.random.default_rng(0)
    clips = _speaker_clips(rng, face, {"a": 0, "b": 0, "c": 3, "d": 0})
    d = opening_direction(face, LOWER_INDICES).astype(np.float64)
    assert label_leads(clips, d, list(LOWER_INDICES)) == {"a": 0, "b": 0, "c": 3, "d": 0}  # c's mouth leads
    prior = fit_prior(clips, face, 5, LOWER_INDICES, PriorSettings(lead=0))
    assert prior.shifts == {"a": 0, "b": 0, "c": -3, "d": 0}  # c's labels moved back into line
    ids = np.repeat([PHONEME_IDS["S"], PHONEME_IDS["AA"], PHONEME_IDS["S"], PHONEME_IDS["M"], PHONEME_IDS["S"]], 8)
    open_ = prior.predict(ids) @ d
    assert open_[12] > open_[4] + 0.3 and open_[28] < open_[4] - 0.3  # opens on AA, closes on M
    leading = fit_prior(clips, face, 5, LOWER_INDICES, PriorSettings(lead=2)).predict(ids) @ d
    assert np.argmax(leading) == np.argmax(open_) - 2 and np.argmin(leading) == np.argmin(open_) - 2


def test_network_prior_matches_the_fit_and_official_has_none():
    face = load_face_model()
    prior = fit_prior(_speaker_clips(np.random.default_rng(1), face, {"a": 0, "b": 1}), face, 5, LOWER_INDICES)
    cfg = StyleTalkConfig(
        d_model=32,
        nhead=4,
        dim_feedforward=64,
        content_layers=1,
        style_layers=1,
        decoder_layers=1,
        style_level=True,
        phoneme_prior=True,
    )
    model = StyleTalk(cfg).eval()
    assert not any(k.startswith("phoneme_prior") for k in StyleTalk(StyleTalkConfig.official()).state_dict())
    with torch.no_grad():
        model.phoneme_prior.table.weight.copy_(torch.from_numpy(prior.weights.reshape(-1, len(LOWER_INDICES))))
        model.phoneme_prior.bias.copy_(torch.from_numpy(prior.bias))
        model.phoneme_prior.opening.copy_(torch.from_numpy(prior.opening))
        model.phoneme_prior.motion_scale.fill_(prior.scale)
    from styletalk_core.model.generate import generate_expression, neutral_style_code, style_codes

    ids = np.random.default_rng(2).integers(0, 41, 60)
    rng = np.random.default_rng(3)
    for motion in (0.3, 1.0, 30.0):  # the style clip's mouth moves less, about as much, far more
        clip = rng.normal(size=(100, 64)).astype(np.float32)
        clip[:, list(LOWER_INDICES)] *= motion
        out = generate_expression(model, ids, style_codes(model, [clip]))
        gain = np.clip((clip[:, list(LOWER_INDICES)] @ prior.opening).std() / prior.scale, 0.5, 2.0)
        expected = np.repeat(clip.mean(0, keepdims=True), 60, 0)  # untrained decoders: no change yet
        expected[:, list(LOWER_INDICES)] += gain * prior.predict(ids)
        np.testing.assert_allclose(out, expected, atol=1e-4)
    assert neutral_style_code(model)[0, -1].item() == 1.0  # a still clip: the prior's own amplitude


def test_closing_frames_and_closure_loss():
    ids = np.full(20, PHONEME_IDS["AA"])
    ids[4:7] = PHONEME_IDS["M"]
    ids[12:14] = PHONEME_IDS["B"]
    assert np.flatnonzero(closing_frames(ids)).tolist() == [5, 12]
    opening = torch.zeros(64)
    opening[0] = 1.0
    pred = torch.zeros(1, 20, 64)
    pred[0, :, 0] = 3.0
    closing = torch.from_numpy(closing_frames(ids))[None]
    closed = torch.tensor([1.0])
    assert closure_loss(pred, closing, closed, opening).item() == 2.0
    pred[0, [5, 12], 0] = 0.5  # closed below the level: no loss
    assert closure_loss(pred, closing, closed, opening).item() == 0.0
    assert closure_loss(pred, torch.zeros_like(closing), closed, opening).item() == 0.0


def test_upper_lip_motion_counts_only_the_upper_dims_moving_over_time():
    from styletalk_core.training.losses import upper_lip_motion

    basis = torch.zeros(64, 4)
    basis[20, 0] = 2.0  # an upper dim that moves a lip coordinate
    basis[0, 1] = 5.0  # a lower dim
    upper = torch.tensor([i for i in range(64) if i not in LOWER_INDICES])
    pred = torch.zeros(1, 5, 64)
    pred[0, :, 0] = torch.arange(5.0)  # the lower face moving: not counted
    pred[0, :, 20] = 1.5  # an upper-face level: not counted
    assert upper_lip_motion(pred, upper, basis).item() == 0.0
    pred[0, :, 20] = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0])
    assert abs(upper_lip_motion(pred, upper, basis).item() - 2.0 / 4) < 1e-6  # |2| per frame, 1 of 4 coords
