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

# ARKit's ARFaceAnchor.BlendShapeLocation order, as Unreal's Live Link and the Live Link Face app use it
ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawLeft", "jawRight", "jawOpen", "mouthClose", "mouthFunnel",
    "mouthPucker", "mouthLeft", "mouthRight", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "browDownLeft",
    "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff", "cheekSquintLeft",
    "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)  # fmt: skip
NUM_ARKIT = len(ARKIT_NAMES)
LIVE_LINK_NAMES: tuple[str, ...] = tuple(n[0].upper() + n[1:] for n in ARKIT_NAMES)
# after the 52 weights, a Live Link Face recording has the head and eye rotations (radians here)
ROTATION_NAMES = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                  "RightEyeYaw", "RightEyePitch", "RightEyeRoll")  # fmt: skip
LIVE_LINK_HEADER = ("Timecode", "BlendShapeCount", *LIVE_LINK_NAMES, *ROTATION_NAMES)


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


def timecode(frame: int, fps: float) -> str:
    """Live Link Face's timecode HH:MM:SS:FF.mmm, from frame 0 at 00:00:00:00."""
    whole = int(round(fps))
    seconds, ff = divmod(frame, whole)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{ff:02d}.000"


def _checked(weights: np.ndarray, rotations: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    weights = np.asarray(weights, np.float64)
    if weights.ndim != 2 or weights.shape[1] != NUM_ARKIT or not np.isfinite(weights).all():
        raise InputError(f"ARKit weights must be finite (T, {NUM_ARKIT}), got {weights.shape}")
    rot = np.zeros((len(weights), len(ROTATION_NAMES))) if rotations is None else np.asarray(rotations, np.float64)
    if rot.shape != (len(weights), len(ROTATION_NAMES)) or not np.isfinite(rot).all():
        raise InputError(f"head/eye rotations must be finite ({len(weights)}, {len(ROTATION_NAMES)})")
    return np.clip(weights, 0.0, 1.0), rot


def write_live_link_csv(path: str | os.PathLike, weights: np.ndarray, fps: float,
                        rotations: np.ndarray | None = None) -> None:  # fmt: skip
    """The layout the Live Link Face iOS app records: Timecode, BlendShapeCount, 52 weights, 9 rotations."""
    weights, rot = _checked(weights, rotations)
    with atomic_path(require_suffix(path, (".csv",), "a Live Link Face CSV")) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LIVE_LINK_HEADER)
        for t in range(len(weights)):
            writer.writerow(
                [timecode(t, fps), NUM_ARKIT, *(f"{v:.6f}" for v in weights[t]), *(f"{v:.6f}" for v in rot[t])]
            )


def write_arkit_json(path: str | os.PathLike, weights: np.ndarray, fps: float, rotations: np.ndarray | None = None,
                     meta: dict | None = None) -> None:  # fmt: skip
    weights, rot = _checked(weights, rotations)
    doc = {"names": list(ARKIT_NAMES), "fps": fps, "frames": len(weights), "weights": weights.round(6).tolist(),
           "rotation_names": list(ROTATION_NAMES), "rotations": rot.round(6).tolist(), "meta": meta or {}}  # fmt: skip
    with atomic_path(require_suffix(path, (".json",), "an ARKit JSON")) as tmp:
        tmp.write_text(json.dumps(doc), encoding="utf-8")


def read_arkit_json(path: str | os.PathLike) -> tuple[np.ndarray, float]:
    """(T, 52) weights and fps of an ARKit JSON written by `write_arkit_json`."""
    try:
        doc = json.loads(open(path, encoding="utf-8").read())
        names, weights, fps = doc["names"], np.asarray(doc["weights"], np.float64), float(doc["fps"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not an ARKit JSON (names, fps, weights): {type(exc).__name__}: {exc}") from None
    if list(names) != list(ARKIT_NAMES) or weights.ndim != 2 or weights.shape[1] != NUM_ARKIT:
        raise InputError(f"{path}: expected the 52 ARKit names and weights (T, 52), got {weights.shape}")
    if not np.isfinite(weights).all() or not 0 < fps <= 1000:
        raise InputError(f"{path}: weights must be finite and fps in (0, 1000]")
    return np.clip(weights, 0, 1), fps
