"""Inference: phoneme labels + style clip(s) -> expression curves, with style mixing and strength."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .checkpoint import LoadedGenerator, load_generator
from .curves import Curves
from .errors import CheckpointError, InputError
from .labels import FPS, phoneme_windows
from .model import StyleTalk
from .style_clip import crop_and_pad, fit_pose_length, load_expression, load_pose

DEFAULT_CHECKPOINT = Path(__file__).parent / "weights" / "default.pth"
Progress = Callable[[int, int], None]  # (frames done, frames total)


def pick_device(name: str | None = None) -> torch.device:
    """`name` if given (validated), else CUDA when available, else CPU."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"unknown device {name!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {name!r} requested but CUDA is not available on this machine")
    return device


@torch.no_grad()
def style_code(model: StyleTalk, exp: np.ndarray) -> torch.Tensor:
    """(L, 64) expression clip -> (1, C) style code (first style_max_len frames, padding masked)."""
    device = next(model.parameters()).device
    clip, mask = crop_and_pad(exp, model.config.style_max_len)
    return model.encode_style(torch.from_numpy(clip)[None].to(device), torch.from_numpy(mask)[None].to(device))


def neutral_style_code(model: StyleTalk) -> torch.Tensor:
    """Style code of a still, neutral face (all-zero expression for the full clip length): the
    origin that --style-strength scales from."""
    return style_code(model, np.zeros((model.config.style_max_len, model.config.exp_dim), np.float32))


def mix_style_codes(codes: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """Weighted mean of style codes (weights are normalised to sum to 1)."""
    if len(codes) != len(weights):
        raise InputError(f"{len(codes)} style clips but {len(weights)} style weights")
    w = torch.tensor(weights, dtype=codes[0].dtype, device=codes[0].device)
    if (w < 0).any() or float(w.sum()) <= 0:
        raise InputError(f"style weights must be >= 0 with a positive sum, got {list(weights)}")
    return torch.einsum("n,nbc->bc", w / w.sum(), torch.stack(codes))


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

    The network is frame-local (frame t sees only its 11-id window and the style code), so
    identical windows (silences, held phonemes) are computed once, and frames are processed
    in batches of `batch_frames` to bound memory for any audio length.
    """
    if batch_frames < 1:
        raise InputError(f"batch size must be >= 1, got {batch_frames}")
    device = code.device
    windows = phoneme_windows(phoneme_ids, model.config.win_size)
    unique, inverse = np.unique(windows, axis=0, return_inverse=True)
    out = np.empty((len(unique), model.config.exp_dim), dtype=np.float32)
    for start in range(0, len(unique), batch_frames):
        chunk = torch.from_numpy(unique[start : start + batch_frames]).to(device)
        out[start : start + len(chunk)] = model.decode(chunk[None], code)[0].float().cpu().numpy()
        if progress is not None:
            progress(min(start + batch_frames, len(unique)), len(unique))
    return out[inverse.reshape(-1)]


PRESET_PREFIX = "preset:"


@dataclass(frozen=True)
class StyleSpec:
    """One style source and its mixing weight: a clip file, or `preset:NAME` stored in the checkpoint."""

    path: Path | str
    weight: float = 1.0

    @property
    def preset(self) -> str | None:
        text = str(self.path)
        return text.removeprefix(PRESET_PREFIX) if text.startswith(PRESET_PREFIX) else None


def preset_code(generator: LoadedGenerator, name: str) -> torch.Tensor:
    if name not in generator.style_presets:
        have = ", ".join(sorted(generator.style_presets)) or "none"
        raise InputError(f"{generator.path.name}: no style preset {name!r} (available: {have})")
    return generator.style_presets[name][None]


def resolve_checkpoint(path: str | os.PathLike | None) -> Path:
    if path is not None:
        return Path(path)
    if not DEFAULT_CHECKPOINT.is_file():
        raise CheckpointError(f"no --checkpoint given and the bundled default model {DEFAULT_CHECKPOINT} is missing")
    return DEFAULT_CHECKPOINT


def generate_curves(
    phoneme_ids: np.ndarray,
    styles: Sequence[StyleSpec],
    *,
    checkpoint: str | os.PathLike | None = None,
    pose_path: str | os.PathLike | None = None,
    strength: float = 1.0,
    device: str | None = None,
    batch_frames: int = 1024,
    progress: Progress | None = None,
    generator: LoadedGenerator | None = None,
    meta: dict | None = None,
) -> Curves:
    """The user-level call: labels + styles (+ pose) -> Curves ready to save."""
    if not styles:
        raise InputError("at least one style clip is needed")
    # Read every input before the (slow) model load so bad files fail fast.
    clips = [None if s.preset else load_expression(s.path) for s in styles]
    pose = load_pose(pose_path) if pose_path is not None else None
    if generator is None:
        generator = load_generator(resolve_checkpoint(checkpoint), pick_device(device))
    model = generator.model
    codes = [
        preset_code(generator, s.preset) if s.preset else style_code(model, clip)
        for s, clip in zip(styles, clips, strict=True)
    ]
    code = mix_style_codes(codes, [s.weight for s in styles])
    if strength != 1.0:
        code = apply_strength(code, neutral_style_code(model), strength)
    exp = generate_expression(model, phoneme_ids, code, batch_frames, progress)
    return Curves(
        exp=exp,
        pose=fit_pose_length(pose, len(exp)) if pose is not None else None,
        fps=FPS,
        phonemes=np.asarray(phoneme_ids, dtype=np.int64),
        meta={
            "model": generator.path.name,
            "model_sha256": generator.sha256,
            "styles": [{"path": str(s.path), "weight": s.weight} for s in styles],
            "style_strength": strength,
            "pose": str(pose_path) if pose_path is not None else None,
            **(meta or {}),
        },
    )
