"""The curves file (.npz): expression (T, 64), optional pose (T, 9), fps, phonemes and metadata."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_file

FORMAT_VERSION = 1
EXP_DIM = 64
POSE_DIM = 9


@dataclass
class Curves:
    exp: np.ndarray  # (T, 64) float32, 3DMM expression coefficients per frame
    pose: np.ndarray | None = None  # (T, 9) float32: angles, translation, crop (s, tx, ty)
    fps: float = 30.0
    phonemes: np.ndarray | None = None  # (T,) int phindex ids
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.exp = np.asarray(self.exp, dtype=np.float32)
        if self.exp.ndim != 2 or self.exp.shape[1] != EXP_DIM:
            raise ValueError(f"exp must be (T, {EXP_DIM}), got {self.exp.shape}")
        if self.pose is not None:
            self.pose = np.asarray(self.pose, dtype=np.float32)
            if self.pose.shape != (len(self.exp), POSE_DIM):
                raise ValueError(f"pose must be ({len(self.exp)}, {POSE_DIM}), got {self.pose.shape}")
        if self.phonemes is not None:
            self.phonemes = np.asarray(self.phonemes, dtype=np.int64)
            if self.phonemes.shape != (len(self.exp),):
                raise ValueError(f"phonemes must be ({len(self.exp)},), got {self.phonemes.shape}")

    @property
    def frames(self) -> int:
        return len(self.exp)

    def save(self, path: str | os.PathLike) -> None:
        arrays = {
            "exp": self.exp,
            "fps": np.float32(self.fps),
            "meta": np.array(json.dumps({"format_version": FORMAT_VERSION, **self.meta})),
        }
        if self.pose is not None:
            arrays["pose"] = self.pose
        if self.phonemes is not None:
            arrays["phonemes"] = self.phonemes
        with atomic_path(path) as tmp:
            np.savez(tmp, **arrays)


def _check(arr: np.ndarray, name: str, shape: tuple, source: str) -> np.ndarray:
    if arr.ndim != len(shape) or any(s is not None and a != s for a, s in zip(arr.shape, shape, strict=False)):
        want = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{source}: '{name}' has shape {arr.shape}; expected {want}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise InputError(f"{source}: '{name}' contains NaN or inf")
    return arr


def load_curves(path: str | os.PathLike) -> Curves:
    """Read and validate a curves `.npz` (also accepts an official (T, 73) `.npy`)."""
    p = require_file(path, "curves file", InputError)
    try:
        if p.suffix.lower() == ".npy":
            arr = np.load(p, allow_pickle=False)
            _check(arr, "array", (None, EXP_DIM + POSE_DIM), str(p))
            return Curves(exp=arr[:, :EXP_DIM], pose=arr[:, EXP_DIM:], meta={"source": p.name})
        with np.load(p, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{p}: not a curves file (.npz): {type(exc).__name__}: {exc}") from None
    if "exp" not in data:
        raise InputError(f"{p}: no 'exp' array; a curves file holds exp (T, 64) [pose, fps, phonemes, meta]")
    exp = _check(data["exp"], "exp", (None, EXP_DIM), str(p))
    if len(exp) == 0:
        raise InputError(f"{p}: 'exp' has 0 frames")
    pose = _check(data["pose"], "pose", (len(exp), POSE_DIM), str(p)) if "pose" in data else None
    phon = _check(data["phonemes"], "phonemes", (len(exp),), str(p)) if "phonemes" in data else None
    fps = float(data["fps"]) if "fps" in data else 30.0
    if not fps > 0:
        raise InputError(f"{p}: fps must be positive, got {fps}")
    meta = json.loads(str(data["meta"])) if "meta" in data else {}
    return Curves(exp=exp, pose=pose, fps=fps, phonemes=phon, meta=meta)
