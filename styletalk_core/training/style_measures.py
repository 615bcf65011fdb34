"""Does style still matter in a generator: presets apart in the upper face, style codes that group by
style, and the style clip's level carried over (the default model's style yardsticks)."""

from __future__ import annotations

import numpy as np
import torch

from ..formats.layout import UPPER_INDICES
from ..model.checkpoint import LoadedGenerator
from ..model.generate import generate_expression, style_codes
from .dataset import Clip
from .losses import triplet_accuracy


def preset_difference(gen: LoadedGenerator, ids: np.ndarray, a: str, b: str) -> float:
    """Mean |difference| per upper-face coefficient between two presets on the same labels."""
    from ..inference import preset_code

    pa, pb = (generate_expression(gen.model, ids, preset_code(gen, p)) for p in (a, b))
    return float(np.abs(pa - pb)[:, list(UPPER_INDICES)].mean())


def style_accuracy(gen: LoadedGenerator, clips: list[Clip]) -> tuple[float, int, int]:
    """Leave-one-out nearest-code accuracy over the styles with two or more clips: (accuracy, clips,
    styles)."""
    counts = {s: sum(c.style == s for c in clips) for s in {c.style for c in clips}}
    kept = [c for c in clips if counts[c.style] > 1]
    if not kept:
        return float("nan"), 0, 0
    labels = {s: i for i, s in enumerate(sorted({c.style for c in kept}))}
    codes = gen.model.split_code(style_codes(gen.model, [c.exp for c in kept]))[0]
    acc = triplet_accuracy(codes.cpu(), torch.tensor([labels[c.style] for c in kept]))
    return acc, len(kept), len(labels)


def level_carried(gen: LoadedGenerator, ids: np.ndarray, clip: np.ndarray, seed: int = 0) -> float:
    """A style clip moved by a random vector: how far the output moves along it (1 = one for one)."""
    shift = np.random.default_rng(seed).normal(scale=0.3, size=clip.shape[1]).astype(np.float32)
    base = generate_expression(gen.model, ids, style_codes(gen.model, [clip]))
    moved = generate_expression(gen.model, ids, style_codes(gen.model, [clip + shift]))
    return float(((moved - base).mean(0) @ shift) / (shift @ shift))
