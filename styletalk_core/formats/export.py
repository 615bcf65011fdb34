"""The curves file and the curves exports (official renderer `.npy` (T, 73), CSV and JSON: one layout
for the CLI and Blender), registered in the output table (formats.outputs)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from .curves import Curves
from .errors import InputError
from .fileio import atomic_path
from .layout import EXP_NAMES, POSE_NAMES, driving_array
from .outputs import OutputKind, register, write_output


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


def _atomic(write):
    """A writer of a temporary path made a writer of `path` itself: all or nothing."""

    def writer(curves: Curves, path, source: str) -> None:
        with atomic_path(path) as tmp:
            write(curves, tmp, source)

    return writer


def _save(curves: Curves, path, source: str) -> None:
    curves.save(path)


register(
    OutputKind("curves", "curves.npz", "the curves file (.npz): every other output is made from it", _save),
    OutputKind("npy", "curves.npy", "the official renderer's (T, 73) array [exp | pose]", _atomic(_write_npy), True),
    OutputKind("csv", "curves.csv", "one row per frame: frame, time, exp00..exp63 (and the pose)", _atomic(_write_csv)),
    OutputKind("json", "curves.json", "fps, the exp array (and the pose, phonemes, meta)", _atomic(_write_json)),
)


def export_curves(curves: Curves, path, fmt: str, source: str = "curves") -> Path:
    """`curves` written as the output kind `fmt` (curves, npy, csv, json; formats.outputs.write_output,
    which also writes the kinds other layers register, once they are imported)."""
    return write_output(curves, path, fmt, source)
