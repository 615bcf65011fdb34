"""Validation during training: each held-out clip generated with its own style, scored on the mouth
(L1 against baselines, lip-sync) and on how well the clips' styles stay apart."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..face.face_model import load_face_model
from ..formats.layout import LOWER_INDICES
from ..model.generate import generate_expression, reference_level, style_codes
from ..model.network import StyleTalk
from .dataset import Clip
from .lipsync import lipsync_scores
from .losses import triplet_accuracy


@dataclass
class Metrics:
    mouth_l1: float  # mean |pred - gt| over the 13 mouth dims
    mouth_l1_mean_baseline: float  # the same for the training-set mean expression
    full_l1: float
    triplet_acc: float
    mouth_l1_level_baseline: float = float("nan")  # the style reference's mean expression held still
    lip_r: float = float("nan")  # mouth opening vs the real one (lipsync.best_lag_r); checkpoints are chosen on it
    closure: float = float("nan")  # share of B/M/P runs where the lips close
    amplitude: float = float("nan")  # std of the mouth opening, generated / real


@torch.no_grad()
def validate(model: StyleTalk, clips: list[Clip], mean_exp: np.ndarray) -> Metrics:
    """Generate each paired clip with its own style (first 256 frames as the style reference); the
    same clips' style codes say how well styles stay apart (triplet accuracy)."""
    model.eval()
    lower = list(LOWER_INDICES)
    face = load_face_model()
    errs, base, level, full, sync = [], [], [], [], []
    for c in clips:
        if c.phonemes is None:
            continue
        pred = generate_expression(model, c.phonemes, style_codes(model, [c.exp]))
        sync.append(lipsync_scores(pred, c.exp, c.phonemes, face))
        errs.append(np.abs(pred[:, lower] - c.exp[:, lower]).mean())
        base.append(np.abs(mean_exp[lower] - c.exp[:, lower]).mean())
        level.append(np.abs(reference_level(c.exp, model.config.style_max_len)[lower] - c.exp[:, lower]).mean())
        full.append(np.abs(pred - c.exp).mean())
    acc = float("nan")
    if clips:
        labels = {s: i for i, s in enumerate(sorted({c.style for c in clips}))}
        codes = model.split_code(style_codes(model, [c.exp for c in clips]))[0]
        acc = triplet_accuracy(codes.cpu(), torch.tensor([labels[c.style] for c in clips]))

    def mean(values: list[float | None]) -> float:
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else float("nan")

    lip = [mean([s.lip_r for s in sync]), mean([s.closure for s in sync]), mean([s.amplitude for s in sync])]
    return Metrics(mean(errs), mean(base), mean(full), acc, mean(level), *lip)


def finite_or_none(values: dict) -> dict:
    """JSON has no NaN: a measure that could not be taken (no labelled clip) is written as null."""
    return {k: (v if not isinstance(v, float) or np.isfinite(v) else None) for k, v in values.items()}
