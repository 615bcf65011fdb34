"""Style clips and poses from official `.mat` files (or `.npz`/`.txt`, or a video): loading and length."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import scipy.io

from ..formats.bounded import MAX_ARRAY_BYTES, check_size, load_npz, read_text
from ..formats.errors import InputError
from ..formats.fileio import require_file
from ..formats.layout import (
    ANGLE_SLICE,
    COEFF_DIM,
    CROP_SLICE,
    EXP_DIM,
    EXP_SLICE,
    POSE_DIM,
    TRANS_SLICE,
    TRANSFORM_DIM,
)


def _finite(arr: np.ndarray, source: str, what: str) -> np.ndarray:
    """Real numbers that stay finite in float32, as float32 (complex, text and 1e300 refused)."""
    if arr.dtype.kind not in "fiu":
        raise InputError(f"{source}: {what} must be real numbers, got {arr.dtype.name} values")
    with np.errstate(over="ignore", invalid="ignore"):
        arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InputError(f"{source}: {what} has a non-finite value (NaN/inf) at row {bad[0]}, column {bad[1]}")
    return arr


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".mat":
            for name, shape, _ in scipy.io.whosmat(path):  # sizes from the file's own list, before reading
                check_size(path, name, shape, 8, MAX_ARRAY_BYTES)
            return {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__")}
        if suffix == ".npz":
            return load_npz(path)
        if suffix == ".txt":
            return {"exp": np.atleast_2d(np.loadtxt(io.StringIO(read_text(path, "style clip")), dtype=np.float64))}
    except InputError:
        raise
    except Exception as exc:  # scipy/numpy raise many types for corrupt files
        raise InputError(f"{path}: cannot read {suffix} file: {type(exc).__name__}: {exc}") from None
    raise InputError(f"{path}: unsupported style/pose file type {suffix!r} (use .mat, .npz or .txt)")


def _coeff(arrays: dict[str, np.ndarray], source: str) -> np.ndarray:
    coeff = np.asarray(arrays["coeff"])
    if coeff.ndim != 2 or coeff.shape[1] != COEFF_DIM:
        raise InputError(f"{source}: 'coeff' has shape {coeff.shape}; expected (frames, {COEFF_DIM})")
    if coeff.shape[0] == 0:
        raise InputError(f"{source}: 'coeff' has 0 frames; need at least 1")
    return coeff


def load_expression(path: str | os.PathLike) -> np.ndarray:
    """(L, 64) float32 expression coefficients: `.mat`/`.npz` `coeff[:, 80:144]`, `exp` (L, 64), or a
    video (extracted with the embedded face model)."""
    p = require_file(path, "style clip", InputError)
    from .extract import extract_style, is_video

    if is_video(p):  # extracted on the fly
        return extract_style(p).exp
    arrays = _read_arrays(p)
    if "coeff" in arrays:
        exp = _coeff(arrays, str(p))[:, EXP_SLICE]
    elif "exp" in arrays:
        exp = np.asarray(arrays["exp"])
        if exp.ndim != 2 or exp.shape[1] != EXP_DIM or exp.shape[0] == 0:
            raise InputError(f"{p}: 'exp' has shape {exp.shape}; expected (frames >= 1, {EXP_DIM})")
    else:
        raise InputError(f"{p}: no 'coeff' (frames, 257) or 'exp' (frames, 64) array; found {sorted(arrays)}")
    return _finite(exp, str(p), "expression")


def load_pose(path: str | os.PathLike) -> np.ndarray:
    """(N, 9) float32 pose: angles coeff[:, 224:227], translation coeff[:, 254:257], crop
    transform_params[:, 2:5]; or `pose` (N, 9) from an `.npz`."""
    p = require_file(path, "pose file", InputError)
    arrays = _read_arrays(p)
    if "pose" in arrays:
        pose = np.asarray(arrays["pose"])
        if pose.ndim != 2 or pose.shape[1] != POSE_DIM or pose.shape[0] == 0:
            raise InputError(f"{p}: 'pose' has shape {pose.shape}; expected (frames >= 1, {POSE_DIM})")
    elif "coeff" in arrays and "transform_params" in arrays:
        coeff = _coeff(arrays, str(p))
        tp = np.asarray(arrays["transform_params"])
        if tp.ndim != 2 or tp.shape[1] != TRANSFORM_DIM or len(tp) != len(coeff):
            raise InputError(f"{p}: 'transform_params' has shape {tp.shape}; expected ({len(coeff)}, {TRANSFORM_DIM})")
        pose = np.concatenate([coeff[:, ANGLE_SLICE], coeff[:, TRANS_SLICE], tp[:, CROP_SLICE]], axis=1)
    else:
        raise InputError(f"{p}: a pose file needs 'coeff' and 'transform_params' (or 'pose' (frames, 9))")
    return _finite(pose, str(p), "pose")


def fit_pose_length(pose: np.ndarray, frames: int) -> np.ndarray:
    """Truncate to `frames`, or pad with the last pose (the official demo crashes instead)."""
    if len(pose) >= frames:
        return pose[:frames]
    return np.concatenate([pose, np.repeat(pose[-1:], frames - len(pose), axis=0)])
