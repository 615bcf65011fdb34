"""Phoneme labels: the official 41-symbol inventory, `*_seq.json` files and 11-frame windows."""

from __future__ import annotations

import json
import os

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_file

# Official phindex.json order (CMU ARPAbet + NSN noise + SIL silence); the id is the position.
PHONEME_SYMBOLS: tuple[str, ...] = (
    "AA",
    "AE",
    "AH",
    "AO",
    "AW",
    "AY",
    "B",
    "CH",
    "D",
    "DH",
    "EH",
    "ER",
    "EY",
    "F",
    "G",
    "HH",
    "IH",
    "IY",
    "JH",
    "K",
    "L",
    "M",
    "N",
    "NG",
    "NSN",
    "OW",
    "OY",
    "P",
    "R",
    "S",
    "SH",
    "SIL",
    "T",
    "TH",
    "UH",
    "UW",
    "V",
    "W",
    "Y",
    "Z",
    "ZH",
)
PHONEME_IDS: dict[str, int] = {s: i for i, s in enumerate(PHONEME_SYMBOLS)}
SIL = PHONEME_IDS["SIL"]
NUM_PHONEMES = len(PHONEME_SYMBOLS)
WINDOW_RADIUS = 5  # official: each frame sees 2 * 5 + 1 phoneme ids


def validate_phoneme_ids(ids: object, source: str) -> np.ndarray:
    """A flat, non-empty list of ints in 0..40 -> int64 array, or an InputError naming `source`."""
    if not isinstance(ids, list | tuple | np.ndarray):
        raise InputError(f"{source}: phoneme labels must be a flat list of ints, got {type(ids).__name__}")
    if len(ids) == 0:
        raise InputError(f"{source}: the phoneme list is empty")
    for i, v in enumerate(ids):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:40] + "..."
            raise InputError(f"{source}: phoneme label {i} is {shown}; expected an int id 0..{NUM_PHONEMES - 1}")
        if not 0 <= v < NUM_PHONEMES:  # checked before any conversion: 10**30 does not fit an int64
            shown = str(v) if len(str(v)) <= 20 else f"{str(v)[:20]}..."
            raise InputError(f"{source}: phoneme id {shown} at frame {i} is out of range 0..{NUM_PHONEMES - 1}")
    return np.asarray(ids, dtype=np.int64)


def load_phoneme_labels(path: str | os.PathLike) -> np.ndarray:
    """Read an official `*_seq.json` (flat JSON list of phindex ids, one per 30 fps frame)."""
    p = require_file(path, "phoneme file", InputError)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except RecursionError:
        raise InputError(f"{p}: not a flat JSON list of phoneme ids (nested too deeply)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a JSON phoneme list: {exc}") from None
    return validate_phoneme_ids(data, str(p))


def save_phoneme_labels(path: str | os.PathLike, ids: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps([int(i) for i in ids]), encoding="utf-8")


def run_starts(ids: np.ndarray) -> np.ndarray:
    """Index of the first frame of each run of one phoneme (the first is 0)."""
    ids = np.asarray(ids)
    return np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])


def phoneme_windows(ids: np.ndarray, win_size: int = WINDOW_RADIUS) -> np.ndarray:
    """(T,) ids -> (T, 2*win_size+1) windows; positions outside the sequence are SIL (not the edge)."""
    ids = np.asarray(ids, dtype=np.int64)
    padded = np.concatenate([np.full(win_size, SIL), ids, np.full(win_size, SIL)])
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * win_size + 1).copy()


def shift_labels(ids: np.ndarray, frames: int) -> np.ndarray:
    """The labels moved `frames` later (earlier when negative), the ends held."""
    ids = np.asarray(ids)
    if frames == 0:
        return ids
    if frames > 0:
        return np.concatenate([np.full(frames, ids[0]), ids[:-frames]])
    return np.concatenate([ids[-frames:], np.full(-frames, ids[-1])])
