"""Curves exports: official renderer `.npy` (T, 73), CSV and JSON."""

from __future__ import annotations

import csv
import json
import os

import numpy as np

from .curves import Curves
from .errors import InputError
from .fileio import atomic_path

FORMATS = ("npy", "csv", "json")
POSE_NAMES = ("angle_x", "angle_y", "angle_z", "trans_x", "trans_y", "trans_z", "crop_s", "crop_tx", "crop_ty")
EXP_NAMES = tuple(f"exp{i:02d}" for i in range(64))


def official_array(curves: Curves, source: str = "curves") -> np.ndarray:
    """[exp | pose] (T, 73) float32, the official demo's hand-off to the renderer."""
    if curves.pose is None:
        raise InputError(
            f"{source}: has no pose; the official (T, 73) layout needs one (generate with --pose POSE.mat)"
        )
    return np.concatenate([curves.exp, curves.pose], axis=1).astype(np.float32)


def export_curves(curves: Curves, path: str | os.PathLike, fmt: str, source: str = "curves") -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "npy":
        arr = official_array(curves, source)
        with atomic_path(path) as tmp:
            np.save(tmp, arr)
        return
    times = np.arange(curves.frames) / curves.fps
    if fmt == "csv":
        header = ["frame", "time"] + list(EXP_NAMES) + (list(POSE_NAMES) if curves.pose is not None else [])
        with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for t in range(curves.frames):
                row = [t, f"{times[t]:.6f}"] + [f"{v:.7g}" for v in curves.exp[t]]
                if curves.pose is not None:
                    row += [f"{v:.7g}" for v in curves.pose[t]]
                writer.writerow(row)
        return
    doc = {
        "fps": curves.fps,
        "frames": curves.frames,
        "exp_names": list(EXP_NAMES),
        "exp": curves.exp.tolist(),
        "pose_names": list(POSE_NAMES) if curves.pose is not None else None,
        "pose": curves.pose.tolist() if curves.pose is not None else None,
        "phonemes": curves.phonemes.tolist() if curves.phonemes is not None else None,
        "meta": curves.meta,
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc), encoding="utf-8")
