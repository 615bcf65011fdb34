"""Inference, the user-level call: phoneme labels + style clip(s) (+ pose) -> expression curves, with
style presets, mixing and strength."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .device import pick_device
from .face.closure import Closing, close_bilabials, closing_of
from .face.face_model import load_face_model
from .formats.curves import Curves
from .formats.errors import CheckpointError, InputError
from .formats.labels import PHONEME_IDS, WINDOW_RADIUS
from .formats.layout import FPS
from .formats.style import StyleSpec, check_style_settings
from .formats.timebase import check_sync_offset, shifted
from .model.checkpoint import LoadedGenerator, load_generator
from .model.generate import (
    Progress,
    apply_strength,
    generate_expression,
    generate_expressions,
    mix_style_codes,
    neutral_style_code,
    style_codes,
)
from .resources import DEFAULT_CHECKPOINT
from .settings import MODEL_LEAD_MS, MODEL_SYNC_MS, GenerateSettings
from .style.clip import fit_pose_length, load_expression, load_pose


def preset_code(generator: LoadedGenerator, name: str) -> torch.Tensor:
    if name not in generator.style_presets:
        have = ", ".join(sorted(generator.style_presets)) or "none"
        raise InputError(f"{generator.path.name}: no style preset {name!r} (available: {have})")
    return generator.style_presets[name][None]


def resolve_checkpoint(path: str | os.PathLike | None) -> Path:
    """`path`, or the bundled default model."""
    if path is not None:
        return Path(path)
    if not DEFAULT_CHECKPOINT.is_file():
        raise CheckpointError(f"no --checkpoint given and the bundled default model {DEFAULT_CHECKPOINT} is missing")
    return DEFAULT_CHECKPOINT


def load_model(checkpoint: str | os.PathLike | None = None, device: str | None = None) -> LoadedGenerator:
    """An official or project generator checkpoint (default: the bundled model) on `device`."""
    return load_generator(resolve_checkpoint(checkpoint), pick_device(device))


def style_code(
    generator: LoadedGenerator, styles: Sequence[StyleSpec], clips: Sequence[np.ndarray | None], strength: float
) -> torch.Tensor:
    """The (1, C) code of `styles` (clips loaded, None for a preset), mixed by their weights, at `strength`."""
    model = generator.model
    codes = [
        preset_code(generator, s.preset) if s.preset else style_codes(model, [clip])
        for s, clip in zip(styles, clips, strict=True)
    ]
    code = mix_style_codes(codes, [s.weight for s in styles])
    return apply_strength(code, neutral_style_code(model), strength) if strength != 1.0 else code


def generate_curves(
    phoneme_ids: np.ndarray,
    styles: Sequence[StyleSpec],
    settings: GenerateSettings | None = None,
    *,
    generator: LoadedGenerator | None = None,
    pose_path: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> Curves:
    """The user-level call: labels + styles (+ pose) -> Curves ready to save (their meta says what
    they were made from; a caller adds its own, e.g. the audio). Without a `generator`, the settings'
    checkpoint (default: the bundled model) is loaded on their device."""
    settings = settings or GenerateSettings()
    check_style_settings(styles, settings.style_strength)
    # Read every input before the (slow) model load so bad files fail fast.
    clips = [None if s.preset else load_expression(s.path) for s in styles]
    made = Made(styles, settings, load_pose(pose_path) if pose_path is not None else None, pose_path)
    generator = generator or load_model(settings.checkpoint, settings.device)
    code = style_code(generator, styles, clips, settings.style_strength)
    exp = generate_expression(generator.model, phoneme_ids, code, settings.batch_frames, progress)
    closing = closing_for(generator, code) if settings.lip_closure else None
    return curves_from_expression(exp, phoneme_ids, generator, made, closing)


def closing_for(generator: LoadedGenerator, code: torch.Tensor) -> Closing | None:
    """The style's way of closing its lips: the network's output holding 'M' against holding 'AA'."""
    held = [
        generate_expression(generator.model, np.full(2 * WINDOW_RADIUS + 1, PHONEME_IDS[p]), code)[WINDOW_RADIUS]
        for p in ("M", "AA")
    ]
    return closing_of(*held, load_face_model())


def generate_takes(
    generator: LoadedGenerator,
    takes: Sequence[np.ndarray],
    code: torch.Tensor,
    batch_frames: int = GenerateSettings.batch_frames,
) -> list[np.ndarray]:
    """Several takes' labels sharing one style code -> their (T, 64) expressions, in one pass (their
    phoneme windows pooled: a window common to many takes is computed once)."""
    return generate_expressions(generator.model, takes, code, batch_frames)


@dataclass(frozen=True)
class Made:
    """What curves are made from, besides the labels and the model: recorded in their meta."""

    styles: Sequence[StyleSpec]
    settings: GenerateSettings = GenerateSettings()
    pose: np.ndarray | None = None  # (T, 9) head pose, fitted to the curves' length
    pose_path: str | os.PathLike | None = None


def curves_from_expression(
    exp: np.ndarray,
    phoneme_ids: np.ndarray,
    generator: LoadedGenerator,
    made: Made,
    closing: Closing | None = None,
) -> Curves:
    """The generator's (T, 64) output for `phoneme_ids` as Curves, refused when not finite, moved in
    time to the sound: MODEL_SYNC_MS (the model's own lead, calibrated) plus the user's offset, and
    with the lips closed on bilabials when a `closing` is given (where the moved mouth says them: the
    model's lead MODEL_LEAD_MS less the move, ahead of the labels). Every output (keys, exports, previews, renders) is
    made from these curves, so all of them agree."""
    if not np.isfinite(exp).all():
        sources = ", ".join(str(s.path) for s in made.styles)
        raise InputError(f"the model produced NaN/inf for style {sources} (out-of-range style values or weights?)")
    offset = made.settings.sync_offset_ms
    check_sync_offset(offset)
    exp = shifted(exp, (MODEL_SYNC_MS + offset) * FPS / 1000)
    if closing is not None:  # after the move, so that a bilabial at the very start is closed too
        lead = round((MODEL_LEAD_MS - MODEL_SYNC_MS - offset) * FPS / 1000)
        exp = close_bilabials(exp, phoneme_ids, load_face_model(), closing, lead)
    return Curves(
        exp=exp,
        pose=fit_pose_length(made.pose, len(exp)) if made.pose is not None else None,
        fps=FPS,
        phonemes=np.asarray(phoneme_ids, dtype=np.int64),
        meta={
            "model": generator.path.name,
            "model_sha256": generator.sha256,
            "styles": [{"path": str(s.path), "weight": s.weight} for s in made.styles],
            "style_strength": made.settings.style_strength,
            "pose": str(made.pose_path) if made.pose_path is not None else None,
            "sync": {"model_ms": round(MODEL_SYNC_MS, 3), "offset_ms": offset},
            "lip_closure": closing is not None,
        },
    )
