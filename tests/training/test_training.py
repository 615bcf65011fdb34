"""Losses push the right way; a tiny model overfits a clip; checkpoints resume."""

import json

import numpy as np
import pytest
import torch

from styletalk_core.model.checkpoint import load_generator
from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.training.config import TrainConfig
from styletalk_core.training.dataset import Clip, SequenceSampler, style_labels
from styletalk_core.training.losses import reconstruction_loss, ssim_1d, triplet_accuracy, triplet_loss
from styletalk_core.training.state import last_checkpoint
from styletalk_core.training.train import RunSetup, train

TINY = StyleTalkConfig(
    d_model=32, nhead=4, dim_feedforward=64, content_layers=1, style_layers=1, decoder_layers=1, dropout=0.0
)


def test_style_labels():
    assert style_labels("M030_front_angry_level3_001") == ("M030_angry", "M030")
    assert style_labels("furious_talk1_clip2") == ("furious_talk1", "furious_talk1")
    assert style_labels("andrew_clip_1") == ("andrew", "andrew")


def test_reconstruction_loss_direction():
    torch.manual_seed(0)
    target = torch.randn(2, 32, 64)
    assert reconstruction_loss(target, target).item() < 1e-5
    assert abs(ssim_1d(target, target).item() - 1) < 1e-5
    near, far = target + 0.05 * torch.randn_like(target), target + 0.5 * torch.randn_like(target)
    assert reconstruction_loss(near, target) < reconstruction_loss(far, target)
    pred = far.clone().requires_grad_()
    reconstruction_loss(pred, target).backward()
    stepped = pred - 0.1 * pred.grad  # a gradient step moves towards the target
    assert reconstruction_loss(stepped, target) < reconstruction_loss(far, target)


def test_triplet_loss_direction():
    labels = torch.tensor([0, 0, 1, 1])
    separated = torch.tensor([[0.0, 0], [0.1, 0], [10, 0], [10.1, 0]])
    mixed = torch.tensor([[0.0, 0], [10, 0], [0.1, 0], [10.1, 0]])
    assert triplet_loss(separated, labels).item() == 0
    assert triplet_loss(mixed, labels).item() > 5
    assert triplet_accuracy(separated, labels) == 1.0 and triplet_accuracy(mixed, labels) == 0.0
    codes = mixed.clone().requires_grad_()
    triplet_loss(codes, labels).backward()
    assert triplet_loss(codes - 0.5 * codes.grad, labels) < triplet_loss(mixed, labels)


def _clips(rng):
    def clip(name, style, freq):
        t = np.arange(120)
        phon = (t // 4) % 41
        exp = np.zeros((120, 64), np.float32)
        exp[:, 0] = np.sin(phon / 3.0) * 2  # mouth follows phonemes
        exp[:, 20] = freq  # constant upper-face style offset
        return Clip(name, style, style, exp + 0.01 * rng.normal(size=exp.shape).astype(np.float32), phon)

    return [clip("a1", "a", 1.0), clip("a2", "a", 1.0), clip("b1", "b", -1.0), clip("b2", "b", -1.0)]


@pytest.mark.slow
def test_tiny_model_overfits_and_resumes(tmp_path):
    clips = _clips(np.random.default_rng(0))
    cfg = TrainConfig(
        steps=200,
        batch_size=8,
        seq_len=16,
        style_frames=(16, 32),
        lr=3e-3,
        val_every=200,
        log_every=100,
        lambda_sync=0,
        lambda_temporal=0,
        lambda_style=0,
    )
    logs = []
    out = tmp_path / "tiny.pth"
    metrics = train(clips, clips, TINY, cfg, RunSetup(out, log=logs.append))
    assert metrics.mouth_l1 < 0.5 * metrics.mouth_l1_mean_baseline, metrics
    assert any('"rec"' in line for line in logs) and any("validation" in line for line in logs)
    # resume continues from the saved step and optimizer; OUT keeps the best validation, OUT.last the latest
    last = last_checkpoint(out)
    assert torch.load(last, weights_only=True)["step"] == torch.load(out, weights_only=True)["step"] == 200
    more = TrainConfig(**{**cfg.__dict__, "steps": 260, "val_every": 20, "lr": 0.3})  # diverges: no new best
    train(clips, clips, TINY, more, RunSetup(out, last, log=logs.append))
    ckpt = torch.load(last, weights_only=True)
    assert ckpt["step"] == 260 and "optimizer" in ckpt
    # OUT holds the checkpoint validation marked best last: the highest held-out lip r, whichever
    # coefficient L1 it has (the two disagree by float noise on some CPUs)
    best = torch.load(out, weights_only=True)
    validations = [json.loads(x) for x in logs if "validation" in x]
    marked = [v for v in validations if v["best"]][-1]
    assert best["step"] == marked["step"] and best["validation"] == marked["validation"]
    assert marked["validation"]["lip_r"] == max(v["validation"]["lip_r"] for v in validations)
    assert load_generator(out).model.config == TINY


def test_sampler_shapes():
    clips = _clips(np.random.default_rng(0))
    s = SequenceSampler(clips, seq_len=16, style_len=(16, 32))
    b = s.sample(3, np.random.default_rng(1))
    assert b.windows.shape == (3, 16, 11) and b.target.shape == (3, 16, 64)
    assert b.style.shape == (3, 32, 64) and b.style_mask.shape == (3, 32)
    assert (~b.style_mask).sum(1).min() >= 16


def test_level_shift_moves_target_and_style_clip_together():
    """With level_shift=1 every sample is moved, target and style clip by the same vector, from its
    clip's mean expression to another clip's mean (here: two constant clips, levels 0 and 5)."""
    ids = np.zeros(40, np.int64)
    clips = [Clip(f"c{v}", f"s{v}", f"s{v}", np.full((40, 64), v, np.float32), ids) for v in (0.0, 5.0)]
    b = SequenceSampler(clips, seq_len=8, style_len=(8, 16), level_shift=1.0).sample(32, np.random.default_rng(0))
    levels = b.target[:, 0, 0]
    assert set(np.unique(levels)) == {0.0, 5.0}
    for target, style, mask in zip(b.target, b.style, b.style_mask, strict=True):
        np.testing.assert_array_equal(style[~mask], np.full_like(style[~mask], target[0, 0]))
        assert (style[mask] == 0).all()  # padding stays zero
    plain = SequenceSampler(clips, seq_len=8, style_len=(8, 16)).sample(8, np.random.default_rng(0))
    assert all((t == s[0, 0]).all() for t, s in zip(plain.target, plain.style, strict=True))


def test_all_paper_losses_train_log_and_resume(tmp_path):
    clips = _clips(np.random.default_rng(0))
    cfg = TrainConfig(
        steps=3, batch_size=4, seq_len=16, style_frames=(16, 32), val_every=3, log_every=1, pretrain_steps=5
    )
    logs = []
    out = tmp_path / "adv.pth"
    train(clips, clips, TINY, cfg, RunSetup(out, log=logs.append))
    entries = [json.loads(x) for x in logs if '"step"' in x and "validation" not in x]
    assert {"rec", "triplet", "sync", "style", "temporal", "temporal_d"} <= set(entries[-1])
    assert any("pretrain_step" in x for x in logs)
    ckpt = torch.load(out, weights_only=True)
    assert any(k.startswith("sync.") for k in ckpt["discriminators"])
    logs.clear()
    train(clips, clips, TINY, TrainConfig(**{**cfg.__dict__, "steps": 4}), RunSetup(out, out, log=logs.append))
    assert not any("pretrain_step" in x for x in logs)  # frozen discriminators come back from the checkpoint


def test_train_cli_defaults_are_the_train_config(capsys):
    """Every training option's default comes from TrainConfig, and the help shows it."""
    from styletalk_core.cli import build_parser

    args = build_parser().parse_args(["train", "--data", "d", "-o", "m.pth"])
    assert TrainConfig.from_args(args) == TrainConfig()
    given = {"--steps": 7, "--batch": 3, "--seq-len": 20, "--lr": 0.5, "--seed": 9, "--val-every": 4}
    given |= {"--pretrain-steps": 2, "--level-shift": 0.25, "--lambda-sync": 0.5, "--lambda-upper-lip": 2.0}
    line = [x for k, v in given.items() for x in (k, str(v))] + ["--refine-lower"]
    cfg = TrainConfig.from_args(build_parser().parse_args(["train", "--data", "d", "-o", "m.pth", *line]))
    for option, value in given.items():  # every option reaches its field
        name = {"--batch": "batch_size"}.get(option, option[2:].replace("-", "_"))
        assert getattr(cfg, name) == value, option
    assert cfg.refine_lower and cfg.lambda_temporal == TrainConfig.lambda_temporal
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {TrainConfig.level_shift})" in help_text and f"(default: {TrainConfig.val_every})" in help_text


@pytest.mark.parametrize(
    "bad", [{"batch_size": 0}, {"seq_len": 0}, {"lr": float("nan")}, {"steps": 0}, {"level_shift": 2.0}]
)
def test_train_config_refuses_bad_settings(bad):
    from styletalk_core.formats.errors import InputError

    with pytest.raises(InputError, match=next(iter(bad)).split("_")[0]):
        TrainConfig(**bad)


def test_labels_pair_within_their_clip_set_and_unknown_speakers_are_refused(tmp_path):
    from scipy.io import savemat

    from styletalk_core.formats.errors import InputError
    from styletalk_core.training.dataset import find_clips
    from styletalk_core.training.train import RunSetup, train_on_folders
    from styletalk_core.training.validation import finite_or_none

    for folder, frames in (("a/3DMM", 600), ("b", 30)):
        (tmp_path / folder).mkdir(parents=True)
        savemat(tmp_path / folder / "talk_clip1.mat", {"coeff": np.zeros((frames, 257), np.float32)})
    (tmp_path / "a" / "phoneme").mkdir()
    (tmp_path / "a" / "phoneme" / "talk_clip1_seq.json").write_text(json.dumps([31] * 600))
    (tmp_path / "b" / "other_seq.json").write_text(json.dumps([31] * 5))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "talk_clip1_seq.json").write_text(json.dumps([31] * 20))  # another set's labels, same name
    warnings = []
    clips = find_clips([tmp_path], warn=warnings.append)
    assert [(len(c.exp), c.phonemes is not None) for c in clips] == [(600, True), (30, False)]
    assert len(warnings) == 1 and "b/talk_clip1.mat" in warnings[0] and "not paired" in warnings[0]
    with pytest.raises(InputError, match="Nobody: no clip of theirs.*speakers: talk"):
        train_on_folders([tmp_path], ["Nobody"], TrainConfig(steps=1), RunSetup(tmp_path / "m.pth"))
    with pytest.raises(InputError, match="nowhere: not a folder"):
        find_clips([tmp_path / "nowhere"])
    assert json.loads(json.dumps(finite_or_none({"lip_r": float("nan"), "mouth_l1": 0.5}))) == {
        "lip_r": None,
        "mouth_l1": 0.5,
    }
