"""Running the network: style codes (batched), the neutral code, mixing and strength, and
frame-deduplicated expression generation for any length."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..formats.errors import InputError
from ..formats.labels import phoneme_windows
from ..formats.progress import Progress
from ..formats.style import check_style_weights
from .network import StyleTalk


def crop_and_pad(exp: np.ndarray, max_len: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """First `max_len` frames, zero-padded; mask True marks padding (ignored by the encoder)."""
    n = min(len(exp), max_len)
    clip = np.zeros((max_len, exp.shape[1]), dtype=np.float32)
    clip[:n] = exp[:n]
    mask = np.ones(max_len, dtype=bool)
    mask[:n] = False
    return clip, mask


def reference_level(exp: np.ndarray, max_len: int = 256) -> np.ndarray:
    """(64,) mean expression of the frames a style reference contributes (the first `max_len`, as
    `crop_and_pad` takes them): the still baseline that evaluation compares a generator against."""
    return exp[:max_len].mean(0)


@torch.no_grad()
def style_codes(model: StyleTalk, clips: Sequence[np.ndarray]) -> torch.Tensor:
    """(L_i, 64) expression clips -> (N, C) style codes (first style_max_len frames, padding masked)."""
    device = next(model.parameters()).device
    pairs = [crop_and_pad(exp, model.config.style_max_len) for exp in clips]
    clip = torch.from_numpy(np.stack([p[0] for p in pairs])).to(device)
    mask = torch.from_numpy(np.stack([p[1] for p in pairs])).to(device)
    return model.encode_style(clip, mask)


def neutral_style_code(model: StyleTalk) -> torch.Tensor:
    """Style code of a still, neutral face (all-zero expression for the full clip length): the
    origin that --style-strength scales from."""
    return style_codes(model, [np.zeros((model.config.style_max_len, model.config.exp_dim), np.float32)])


def mix_style_codes(codes: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """Weighted mean of style codes (weights are normalised to sum to 1)."""
    w = torch.tensor(check_style_weights(weights, len(codes)), dtype=codes[0].dtype, device=codes[0].device)
    return torch.einsum("n,nbc->bc", w, torch.stack(codes))


def apply_strength(code: torch.Tensor, neutral: torch.Tensor, strength: float) -> torch.Tensor:
    """neutral + strength * (code - neutral): 0 = neutral style, 1 = the clip's style, >1 exaggerates."""
    return neutral + strength * (code - neutral)


@torch.no_grad()
def generate_expression(
    model: StyleTalk,
    phoneme_ids: np.ndarray,
    code: torch.Tensor,
    batch_frames: int = 1024,
    progress: Progress | None = None,
) -> np.ndarray:
    """(T,) phoneme ids + (1, C) style code -> (T, 64) float32 expression.

    The network is frame-local (frame t sees only its phoneme window and the style code), so
    identical windows (silences, held phonemes) are computed once, and frames are processed
    in batches of `batch_frames` to bound memory for any audio length.
    """
    return generate_expressions(model, [phoneme_ids], code, batch_frames, progress)[0]


@torch.no_grad()
def generate_expressions(
    model: StyleTalk,
    takes: Sequence[np.ndarray],
    code: torch.Tensor,
    batch_frames: int = 1024,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """generate_expression for several takes sharing one style code, in one pass: their windows are
    pooled, so a window common to many takes (silence, a held vowel) is computed once for all."""
    if batch_frames < 1:
        raise InputError(f"batch size must be >= 1, got {batch_frames}")
    device = code.device
    windows = [phoneme_windows(ids, model.config.win_size) for ids in takes]
    unique, inverse = np.unique(np.concatenate(windows), axis=0, return_inverse=True)
    out = np.empty((len(unique), model.config.exp_dim), dtype=np.float32)
    for start in range(0, len(unique), batch_frames):
        chunk = torch.from_numpy(unique[start : start + batch_frames]).to(device)
        out[start : start + len(chunk)] = model.decode(chunk[None], code)[0].float().cpu().numpy()
        if progress is not None:
            progress(min(start + batch_frames, len(unique)), len(unique))
    frames = out[inverse.reshape(-1)]
    return np.split(frames, np.cumsum([len(w) for w in windows])[:-1])
