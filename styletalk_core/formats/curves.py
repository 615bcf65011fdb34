"""The curves file (.npz): expression (T, 64), optional pose (T, 9), fps, phonemes and metadata.
Also reads the official (T, 73) `.npy` and the JSON export, so every reader shares one validation."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bounded import load_npy, load_npz, read_text
from .errors import InputError
from .fileio import atomic_path, require_file, require_suffix
from .layout import DRIVING_DIM, EXP_DIM, FPS, POSE_DIM

FORMAT_VERSION = 1
MIN_FPS, MAX_FPS = 1.0, 1000.0  # outside these a rate is a corrupt value, not a frame rate
MAX_FRAMES = 216_000  # two hours at 30 fps: every output of a take (keys, exports, previews) is bounded by it
MAX_EXP = 1000.0  # expression coefficients are within about +-10; far beyond, a file is corrupt


@dataclass
class Curves:
    exp: np.ndarray  # (T, 64) float32, 3DMM expression coefficients per frame
    pose: np.ndarray | None = None  # (T, 9) float32: angles, translation, crop (s, tx, ty)
    fps: float = float(FPS)
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

    @property
    def audio(self) -> str | None:
        """The speech file the curves were made from, when recorded."""
        return self.meta.get("audio")

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically; refuses non-finite values and checks the file reads back."""
        for name, arr in (("exp", self.exp), ("pose", self.pose)):
            if arr is not None and not np.isfinite(arr).all():
                raise InputError(f"{path}: not written: '{name}' contains NaN or inf")
        arrays = {
            "exp": self.exp,
            "fps": np.float32(self.fps),
            "meta": np.array(json.dumps({"format_version": FORMAT_VERSION, **self.meta})),
        }
        if self.pose is not None:
            arrays["pose"] = self.pose
        if self.phonemes is not None:
            arrays["phonemes"] = self.phonemes
        with atomic_path(require_suffix(path, (".npz",), "a curves file")) as tmp:
            with open(tmp, "wb") as f:  # a file object: numpy would append .npz to a name
                np.savez(f, **arrays)
            load_curves(tmp, suffix=".npz")


def _float_array(value: object, name: str, source: str) -> np.ndarray:
    """A real float array that stays finite in float32 (strings, objects, complex and 1e300 refused)."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{source}: '{name}' is not a numeric array: {exc}") from None
    if arr.dtype.kind not in "fiu" or arr.dtype == object:
        raise InputError(f"{source}: '{name}' must hold real numbers, got {arr.dtype.name} values")
    with np.errstate(over="ignore", invalid="ignore"):
        arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise InputError(f"{source}: '{name}' contains NaN or inf (or values beyond float32)")
    return arr


def _check_shape(arr: np.ndarray, name: str, shape: tuple, source: str) -> np.ndarray:
    if arr.ndim != len(shape) or any(s is not None and a != s for a, s in zip(arr.shape, shape, strict=False)):
        want = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{source}: '{name}' has shape {arr.shape}; expected {want}")
    return arr


def _read(p: Path, suffix: str) -> dict:
    """The raw entries of an .npz, .npy or .json curves file."""
    if suffix == ".npy":
        return {"driving": load_npy(p)}
    if suffix == ".npz":
        data = load_npz(p)
        if "meta" in data:
            data["meta"] = json.loads(str(data["meta"]))
        return data
    if suffix == ".json":
        doc = json.loads(read_text(p, "curves file"))
        if not isinstance(doc, dict):
            raise InputError(f"{p}: expected a JSON object with 'exp' and 'fps'")
        return {k: v for k, v in doc.items() if v is not None}
    raise InputError(f"{p}: unsupported curves file type {suffix!r} (use .npz, .json or an official .npy)")


def load_curves(path: str | os.PathLike, suffix: str | None = None) -> Curves:
    """Read and validate a curves `.npz`, a JSON export, or an official (T, 73) `.npy`."""
    p = require_file(path, "curves file", InputError)
    suffix = (suffix or p.suffix).lower()
    try:
        data = _read(p, suffix)
    except InputError:
        raise
    except Exception as exc:  # numpy/zip/json raise many types for corrupt files
        raise InputError(f"{p}: not a curves file: {type(exc).__name__}: {exc}") from None
    source = str(p)
    if "driving" in data:
        arr = _check_shape(_float_array(data["driving"], "array", source), "array", (None, DRIVING_DIM), source)
        data = {"exp": arr[:, :EXP_DIM], "pose": arr[:, EXP_DIM:], "meta": {"source": p.name}}
    if "exp" not in data:
        raise InputError(f"{p}: no 'exp' array; a curves file holds exp (T, 64) [pose, fps, phonemes, meta]")
    exp = _check_shape(_float_array(data["exp"], "exp", source), "exp", (None, EXP_DIM), source)
    if not 0 < len(exp) <= MAX_FRAMES:
        raise InputError(f"{p}: 'exp' has {len(exp)} frames; a curves file holds 1 to {MAX_FRAMES} (2 h at 30 fps)")
    peak = float(np.abs(exp).max())
    if peak > MAX_EXP:
        raise InputError(f"{p}: 'exp' reaches {peak:.3g}; expression coefficients lie within +-{MAX_EXP:g}")
    pose = None
    if "pose" in data:
        pose = _check_shape(_float_array(data["pose"], "pose", source), "pose", (len(exp), POSE_DIM), source)
    phonemes = None
    if "phonemes" in data:
        phonemes = _check_shape(np.asarray(data["phonemes"]), "phonemes", (len(exp),), source)
        if phonemes.dtype.kind not in "iu":
            raise InputError(f"{p}: 'phonemes' must be integer ids, got {phonemes.dtype.name}")
    return Curves(
        exp=exp,
        pose=pose,
        fps=_fps(data.get("fps", FPS), source),
        phonemes=phonemes,
        meta=_meta(data.get("meta", {}), source),
    )


def _fps(value: object, source: str) -> float:
    try:
        fps = float(np.asarray(value).item())
    except (TypeError, ValueError):
        raise InputError(f"{source}: fps must be a number, got {value!r}") from None
    if not (MIN_FPS <= fps <= MAX_FPS):
        raise InputError(f"{source}: fps must be between {MIN_FPS:g} and {MAX_FPS:g}, got {fps:g}")
    return fps


def _meta(value: object, source: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{source}: 'meta' must be a JSON object, got {type(value).__name__}")
    if value.get("audio") is not None and not isinstance(value["audio"], str):
        raise InputError(f"{source}: meta 'audio' must be a file path, got {type(value['audio']).__name__}")
    return value
