"""Validation during training: every measure taken on the held-out clips that have labels, the styles'
separation on all of them, and a measure that could not be taken written as null, not NaN."""

import json
import math

import numpy as np
import torch

from styletalk_core.model.network import StyleTalk
from styletalk_core.training.dataset import Clip
from styletalk_core.training.validation import finite_or_none, validate

from .test_state import SMALL
from .test_train import _clips


def test_held_out_clips_are_scored_and_style_only_clips_count_for_styles_alone():
    torch.manual_seed(0)
    model = StyleTalk(SMALL)
    clips = _clips(np.random.default_rng(1))
    mean = np.mean([c.exp.mean(0) for c in clips], axis=0)
    metrics = validate(model, clips, mean)
    values = [metrics.mouth_l1, metrics.mouth_l1_mean_baseline, metrics.full_l1, metrics.mouth_l1_level_baseline]
    assert all(math.isfinite(v) and v > 0 for v in values) and 0.0 <= metrics.triplet_acc <= 1.0
    style_only = [Clip(c.name, c.style, c.speaker, c.exp, None) for c in clips]
    unlabelled = validate(model, style_only, mean)
    assert math.isnan(unlabelled.mouth_l1) and math.isnan(unlabelled.lip_r) and unlabelled.triplet_acc >= 0


def test_what_could_not_be_measured_is_null_in_json():
    row = finite_or_none({"lip_r": float("nan"), "mouth_l1": 0.5, "step": 3, "inf": float("inf")})
    assert json.loads(json.dumps(row, allow_nan=False)) == {"lip_r": None, "mouth_l1": 0.5, "step": 3, "inf": None}
