"""Curves exports: official renderer `.npy` (T, 73), CSV and JSON (one layout for the CLI and Blender)."""

from __future__ import annotations

import csv
import json
import os

import numpy as np

from .curves import Curves
from .errors import InputError
from .fileio import atomic_path, require_suffix
from .layout import EXP_NAMES, POSE_NAMES, driving_array

FORMATS = ("npy", "csv", "json")


def official_array(curves: Curves, source: str = "curves") -> np.ndarray:
    """[exp | pose] (T, 73) float32, the official demo's hand-off to the renderer."""
    if curves.pose is None:
        raise InputError(
            f"{source}: has no pose; the official (T, 73) layout needs one (generate with --pose POSE.mat)"
        )
    return driving_array(curves.exp, curves.pose)


def _write_npy(curves: Curves, tmp, source: str) -> None:
    with open(tmp, "wb") as f:  # a file object: numpy would append .npy to a name
        np.save(f, official_array(curves, source))


def _write_csv(curves: Curves, tmp, source: str) -> None:
    """One row per frame: frame (int), time (s), exp00..exp63, then the pose when there is one."""
    times = np.arange(curves.frames) / curves.fps
    header = ["frame", "time", *EXP_NAMES, *(POSE_NAMES if curves.pose is not None else ())]
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for t in range(curves.frames):
            row = [t, f"{times[t]:.6f}"] + [f"{v:.7g}" for v in curves.exp[t]]
            if curves.pose is not None:
                row += [f"{v:.7g}" for v in curves.pose[t]]
            writer.writerow(row)


def _write_json(curves: Curves, tmp, source: str) -> None:
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
    tmp.write_text(json.dumps(doc), encoding="utf-8")


_WRITERS = {"npy": _write_npy, "csv": _write_csv, "json": _write_json}


def export_curves(curves: Curves, path: str | os.PathLike, fmt: str, source: str = "curves") -> None:
    """Write `curves` as `fmt` to `path` atomically; the file name must end in `.FMT`."""
    if fmt not in _WRITERS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    target = require_suffix(path, (f".{fmt}",), f"a {fmt} export")
    if fmt == "npy":
        official_array(curves, source)  # refuse before creating anything
    with atomic_path(target) as tmp:
        _WRITERS[fmt](curves, tmp, source)
