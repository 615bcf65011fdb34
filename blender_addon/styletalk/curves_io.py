"""Reading curves files (.npz from `styletalk generate`, .json from `styletalk export`); no bpy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXP_DIM = 64


class CurvesFileError(Exception):
    """A curves file that cannot be imported; the message names the file."""


@dataclass
class CurvesData:
    exp: np.ndarray  # (T, 64)
    fps: float
    pose: np.ndarray | None
    audio: str | None


def read_curves(path: str | Path) -> CurvesData:
    p = Path(path)
    if not p.is_file():
        raise CurvesFileError(f"{p}: file not found")
    try:
        if p.suffix.lower() == ".npz":
            with np.load(p, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
            meta = json.loads(str(data["meta"])) if "meta" in data else {}
            exp, fps, pose, audio = data.get("exp"), float(data.get("fps", 30.0)), data.get("pose"), meta.get("audio")
        elif p.suffix.lower() == ".json":
            doc = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(doc, dict):
                raise CurvesFileError(f"{p}: expected a JSON object with 'exp' and 'fps'")
            exp, fps = np.asarray(doc.get("exp"), dtype=np.float64), float(doc.get("fps", 30.0))
            pose = np.asarray(doc["pose"]) if doc.get("pose") is not None else None
            audio = (doc.get("meta") or {}).get("audio")
        else:
            raise CurvesFileError(f"{p}: unsupported curves file type {p.suffix!r} (use .npz or .json)")
    except CurvesFileError:
        raise
    except Exception as exc:  # numpy/json raise many types for corrupt files
        raise CurvesFileError(f"{p}: not a curves file: {type(exc).__name__}: {exc}") from None
    if exp is None or exp.ndim != 2 or exp.shape[1] != EXP_DIM or len(exp) == 0:
        shape = None if exp is None else exp.shape
        raise CurvesFileError(f"{p}: 'exp' has shape {shape}; expected (frames >= 1, {EXP_DIM})")
    if not np.isfinite(exp).all():
        raise CurvesFileError(f"{p}: 'exp' contains NaN or inf")
    if not fps > 0:
        raise CurvesFileError(f"{p}: fps must be positive, got {fps}")
    return CurvesData(exp.astype(np.float32), fps, pose, audio)
