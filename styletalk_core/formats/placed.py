"""Landmarks a person places by hand on a character the detector cannot read (a stylised face): their
names, our face's vertex each stands for, and the JSON file that carries them (named 3-D points in
the character's coordinates). Shared with the Blender add-on, which writes that file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_file

# name -> our face's vertex; left and right are the character's own (its left is on the viewer's right)
PLACED_POINTS = {
    "chin": 152,
    "nose_tip": 1,
    "mouth_right": 61,
    "mouth_left": 291,
    "upper_lip": 0,
    "lower_lip": 17,
    "eye_right_outer": 33,
    "eye_right_inner": 133,
    "eye_left_inner": 362,
    "eye_left_outer": 263,
}
NEEDED = ("mouth_right", "mouth_left")  # the mouth's corners: where the lips part
MIN_POINTS = 6


@dataclass(frozen=True)
class Placed:
    names: tuple[str, ...]
    positions: np.ndarray  # (N, 3) in the character's frame


MAX_COORDINATE = 1e9  # a placed point or a mask's, in any unit (a kilometre in millimetres is 1e6)


def _number(x) -> bool:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    return abs(x) <= MAX_COORDINATE  # False for NaN; an int of 400 digits is no float


MIN_GAP = 0.01  # of the points' span: two placed points closer than this are one point placed twice


def check_placed(data: object, source: str) -> Placed:
    """Named points as a Placed, or one line naming `source` and what is wrong."""
    if not isinstance(data, dict):
        raise InputError(f'{source}: landmarks are a JSON object of named points, e.g. {{"chin": [0, -1.2, 0.3]}}')
    unknown = sorted(set(data) - set(PLACED_POINTS))
    if unknown:
        raise InputError(f"{source}: unknown landmark {unknown[0]!r}; the names are {', '.join(PLACED_POINTS)}")
    for name, value in data.items():
        if not (isinstance(value, list | tuple) and len(value) == 3 and all(_number(x) for x in value)):
            raise InputError(f"{source}: landmark {name!r} is not three numbers [x, y, z] within ±{MAX_COORDINATE:g}")
    missing = [n for n in NEEDED if n not in data]
    if missing or len(data) < MIN_POINTS:
        need = f"{missing[0]!r} is missing" if missing else f"{len(data)} given"
        raise InputError(f"{source}: at least {MIN_POINTS} landmarks, both mouth corners among them ({need})")
    names = tuple(n for n in PLACED_POINTS if n in data)
    positions = np.array([data[n] for n in names], np.float64)
    span = float(np.ptp(positions, axis=0).max())
    gaps = np.linalg.norm(positions[:, None] - positions[None], axis=-1) + np.eye(len(names)) * max(span, 1.0)
    i, j = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
    if not span > 0 or gaps[i, j] <= MIN_GAP * span:
        raise InputError(f"{source}: the landmarks must not coincide ({names[i]!r} and {names[j]!r} are at one point)")
    if on_a_line(positions):
        raise InputError(f"{source}: the landmarks lie on one line; a face's points span its front")
    return Placed(names, positions)


def on_a_line(positions: np.ndarray) -> bool:
    """Whether points (N, 3) lie at one point or on one line (within MIN_GAP of their spread)."""
    spread = np.linalg.svd(positions - positions.mean(0), compute_uv=False)
    return not spread[0] > 0 or spread[1] <= MIN_GAP * spread[0]


def load_placed(path: str | os.PathLike) -> Placed:
    """A JSON object of named points, {"chin": [x, y, z], ...}, in the character's coordinates."""
    p = require_file(path, "landmarks", InputError)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{p}: not a JSON file of named points: {exc}") from None
    return check_placed(data, str(p))


def save_placed(points: dict[str, list[float]], path: str | os.PathLike) -> None:
    """Checked, then written atomically."""
    check_placed(points, str(path))
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({n: [float(x) for x in v] for n, v in points.items()}, indent=1))
