"""The training data: style labels, clip pairs within their set, the sampler's shapes and the level shift."""

import json

import numpy as np
import pytest

from styletalk_core.training.config import TrainConfig
from styletalk_core.training.dataset import Clip, SequenceSampler, style_labels
from styletalk_core.training.train import RunSetup

from .test_train import _clips


def test_style_labels():
    assert style_labels("M030_front_angry_level3_001") == ("M030_angry", "M030")
    assert style_labels("furious_talk1_clip2") == ("furious_talk1", "furious_talk1")
    assert style_labels("andrew_clip_1") == ("andrew", "andrew")


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


def test_labels_pair_within_their_clip_set_and_unknown_speakers_are_refused(tmp_path):
    from scipy.io import savemat

    from styletalk_core.formats.errors import InputError
    from styletalk_core.training.dataset import find_clips
    from styletalk_core.training.train import train_on_folders
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
