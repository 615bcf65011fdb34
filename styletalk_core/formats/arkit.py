"""Apple ARKit's 52 blendshapes: their names (ARKit's order and spellings), matching a character's
shape-key names to them, and the ARKit files: Live Link Face CSV and a JSON of weights."""

from __future__ import annotations

import csv
import json
import os
import re

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_suffix
from .timebase import resample

# ARKit's ARFaceAnchor.BlendShapeLocation order, as Unreal's Live Link and the Live Link Face app use it
ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
)
NUM_ARKIT = len(ARKIT_NAMES)
# A Live Link Face take lists the shapes in ARKit's order except for two pairs, right before left
_TAKE_SWAPS = {"jawLeft": "jawRight", "jawRight": "jawLeft", "mouthLeft": "mouthRight", "mouthRight": "mouthLeft"}
LIVE_LINK_ORDER: tuple[int, ...] = tuple(ARKIT_NAMES.index(_TAKE_SWAPS.get(n, n)) for n in ARKIT_NAMES)
LIVE_LINK_NAMES: tuple[str, ...] = tuple(ARKIT_NAMES[i][0].upper() + ARKIT_NAMES[i][1:] for i in LIVE_LINK_ORDER)
# after the 52 weights, a Live Link Face recording has the head and eye rotations (radians here)
ROTATION_NAMES = (
    "HeadYaw",
    "HeadPitch",
    "HeadRoll",
    "LeftEyeYaw",
    "LeftEyePitch",
    "LeftEyeRoll",
    "RightEyeYaw",
    "RightEyePitch",
    "RightEyeRoll",
)
LIVE_LINK_HEADER = ("Timecode", "BlendShapeCount", *LIVE_LINK_NAMES, *ROTATION_NAMES)
LIVE_LINK_COUNT = NUM_ARKIT + len(ROTATION_NAMES)  # the app's BlendShapeCount: 61
LIVE_LINK_FPS = 60  # the app records 60 rows a second and counts timecode frames at 60
LIVE_LINK_DECIMALS = 10


def normalise_name(name: str) -> str:
    """A spelling-independent key: `jawOpen`, `JawOpen`, `jaw_open`, `mouthSmile_L`, `MouthSmileL`,
    `mouthSmileLeft` and `mouth_smile.L` all become the same key."""
    key = re.sub(r"[\s_.\-]+", "_", name.strip()).strip("_").lower()
    key = re.sub(r"_l$", "left", re.sub(r"_r$", "right", key))
    return key.replace("_", "")


ARKIT_KEYS = {normalise_name(n): n for n in ARKIT_NAMES}


def match_arkit_names(names: list[str]) -> tuple[dict[str, list[str]], list[str], dict[str, list[str]]]:
    """Map a character's shape-key names onto ARKit's: ({ARKit name: [key names]}, unmatched key
    names, {ARKit name: key names} for ambiguous matches, left out of the mapping). A shape ARKit has
    once but a rig splits by side (ICT's `browInnerUp_L` / `_R`) drives both halves."""
    found: dict[str, list[str]] = {}
    unmatched = []
    for name in names:
        arkit = ARKIT_KEYS.get(normalise_name(name))
        if arkit is None:
            unmatched.append(name)
        else:
            found.setdefault(arkit, []).append(name)
    mapping = {a: ks for a, ks in found.items() if len(ks) == 1}
    duplicates = {a: ks for a, ks in found.items() if len(ks) > 1}
    by_key = {normalise_name(n): n for n in unmatched}
    for arkit in ARKIT_NAMES:
        halves = [by_key.get(normalise_name(arkit) + side) for side in ("left", "right")]
        if arkit not in found and all(halves):
            mapping[arkit] = halves
            unmatched = [n for n in unmatched if n not in halves]
    return {a: mapping[a] for a in ARKIT_NAMES if a in mapping}, unmatched, duplicates


def timecode(seconds: float) -> str:
    """Live Link Face's timecode HH:MM:SS:FF.fff: frames FF counted at 60 fps, then the fraction of a
    frame, from 00:00:00:00.000 at t = 0."""
    millis = int(round(seconds * LIVE_LINK_FPS * 1000))  # thousandths of a 60 fps frame
    frames, sub = divmod(millis, 1000)
    whole, ff = divmod(frames, LIVE_LINK_FPS)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{ff:02d}.{sub:03d}"


def _checked(weights: np.ndarray, rotations: np.ndarray | None, source: str) -> tuple[np.ndarray, np.ndarray]:
    weights = np.asarray(weights, np.float64)
    rot = np.zeros((len(weights), len(ROTATION_NAMES))) if rotations is None else np.asarray(rotations, np.float64)
    if weights.ndim != 2 or weights.shape[1] != NUM_ARKIT:
        raise InputError(f"{source}: ARKit weights must be (T, {NUM_ARKIT}), got {weights.shape}")
    if not np.isfinite(weights).all():
        raise InputError(f"{source}: the ARKit weights are not finite (the curves hold values too large to solve)")
    if rot.shape != (len(weights), len(ROTATION_NAMES)) or not np.isfinite(rot).all():
        raise InputError(f"{source}: head/eye rotations must be finite ({len(weights)}, {len(ROTATION_NAMES)})")
    return np.clip(weights, 0.0, 1.0), rot


def write_live_link_csv(
    path: str | os.PathLike, weights: np.ndarray, fps: float, rotations: np.ndarray | None = None
) -> None:
    """A take as the Live Link Face iOS app records it: its header (Timecode, BlendShapeCount 61, the
    52 weights in the app's column order, 9 rotations), rows resampled to its 60 fps with 60 fps
    timecodes, values with its 10 decimals."""
    path = require_suffix(path, (".csv",), "a Live Link Face CSV")
    weights, rot = _checked(weights, rotations, str(path))
    times, rows = resample(np.concatenate([weights[:, LIVE_LINK_ORDER], rot], 1), fps, LIVE_LINK_FPS)
    rows = np.round(rows, LIVE_LINK_DECIMALS) + 0.0  # no "-0.0000000000"
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(LIVE_LINK_HEADER)
        for t, row in zip(times, rows, strict=True):
            writer.writerow([timecode(t), LIVE_LINK_COUNT, *(f"{v:.{LIVE_LINK_DECIMALS}f}" for v in row)])


def write_arkit_json(
    path: str | os.PathLike,
    weights: np.ndarray,
    fps: float,
    rotations: np.ndarray | None = None,
    meta: dict | None = None,
) -> None:
    path = require_suffix(path, (".json",), "an ARKit JSON")
    weights, rot = _checked(weights, rotations, str(path))
    doc = {
        "names": list(ARKIT_NAMES),
        "fps": fps,
        "frames": len(weights),
        "weights": weights.round(6).tolist(),
        "rotation_names": list(ROTATION_NAMES),
        "rotations": rot.round(6).tolist(),
        "meta": meta or {},
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc), encoding="utf-8")


class NotArkitJson(InputError):
    """A JSON file that is not meant to be ARKit weights (no `names` or `weights`; a curves export)."""


def read_arkit_json(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    """(T, 52) weights and fps of an ARKit JSON written by `write_arkit_json`. NotArkitJson for a file
    that is not one at all (unreadable, not JSON, or another kind of JSON such as a curves export);
    InputError for an ARKit JSON with a defect."""
    try:
        doc = json.loads(open(path, encoding="utf-8").read())
    except (OSError, ValueError) as exc:
        raise NotArkitJson(f"{path}: not an ARKit JSON (names, fps, weights): {type(exc).__name__}: {exc}") from None
    if not isinstance(doc, dict) or "exp" in doc or not ("names" in doc or "weights" in doc):
        raise NotArkitJson(f"{path}: not an ARKit JSON (names, fps, weights)")
    try:
        names, weights, fps = doc["names"], np.asarray(doc["weights"], np.float64), float(doc["fps"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not an ARKit JSON (names, fps, weights): {type(exc).__name__}: {exc}") from None
    if list(names) != list(ARKIT_NAMES) or weights.ndim != 2 or weights.shape[1] != NUM_ARKIT:
        raise InputError(f"{path}: expected the 52 ARKit names and weights (T, 52), got {weights.shape}")
    if not np.isfinite(weights).all() or not 0 < fps <= 1000:
        raise InputError(f"{path}: weights must be finite and fps in (0, 1000]")
    return np.clip(weights, 0, 1), fps
