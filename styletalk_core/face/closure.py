"""Lips that close on p, b and m. The network often only narrows the mouth on a short bilabial (with
the true phones fed to it, it missed up to 36% of them in a language: benchmarks/languages.py
--no-lip-closure); a person watching sees a p said through open lips. On every bilabial the mouth is
brought down to the style's own closed lips, along the style's own way of closing (what the network
does for a held 'M' against a held 'AA'), on the frames where the network's mouth says that phone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formats.labels import PHONEME_IDS
from .face_model import FaceModel, mouth_opening

BILABIAL_IDS = [PHONEME_IDS[p] for p in ("B", "M", "P")]
MIN_CLOSING_PX = 1.0  # a style whose 'M' and 'AA' open the mouth within a pixel of each other shows no closing


@dataclass(frozen=True)
class Closing:
    """A style's way of closing its lips."""

    direction: np.ndarray  # (64,) expression change that narrows the inner-lip gap by one pixel (at 256 px)
    closed: float  # px: the style's closed lips, its opening holding 'M'


def closing_of(closed: np.ndarray, open_: np.ndarray, face: FaceModel) -> Closing | None:
    """The Closing between a style's (64,) expression holding 'M' (`closed`) and holding 'AA'
    (`open_`); None when the two barely differ in opening (nothing to learn the direction from)."""
    gaps = mouth_opening(face.vertices(np.stack([closed, open_])))
    drop = float(gaps[1] - gaps[0])
    if not np.isfinite(drop) or drop < MIN_CLOSING_PX:
        return None
    return Closing(((closed - open_) / drop).astype(np.float32), float(gaps[0]))


def bilabial_frames(phoneme_ids: np.ndarray, n_frames: int, lead: int) -> np.ndarray:
    """(n_frames,) bool: the frames of each bilabial label moved `lead` frames earlier (one moved out
    of the clip closes its first or last frame)."""
    ids = np.asarray(phoneme_ids)[:n_frames]
    marked = np.zeros(n_frames, bool)
    marked[np.clip(np.flatnonzero(np.isin(ids, BILABIAL_IDS)) - lead, 0, n_frames - 1)] = True
    return marked


def close_bilabials(
    exp: np.ndarray, phoneme_ids: np.ndarray, face: FaceModel, closing: Closing, lead: int
) -> np.ndarray:
    """(T, 64) expressions with the mouth no wider than the style's closed lips on every bilabial frame
    (labels at the sound's time, the mouth `lead` frames ahead of them); other frames untouched."""
    frames = bilabial_frames(phoneme_ids, len(exp), lead)
    excess = np.where(frames, np.maximum(mouth_opening(face.vertices(exp)) - closing.closed, 0.0), 0.0)
    return (exp + excess[:, None] * closing.direction[None]).astype(exp.dtype)
