"""Frame rates: series sampled at one rate, resampled linearly to another over the same span."""

from __future__ import annotations

import numpy as np

from .errors import InputError

MAX_ROWS = 432_000  # resampled rows: two hours at 60 fps (a Live Link take of a whole feature's dialogue)


def resample(values: np.ndarray, fps: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(times, rows): (T, C) samples at `fps` linearly resampled at `rate` from t = 0 to the last
    sample's time (a sample that falls within a millionth of a frame of the end is kept); one line,
    before anything is allocated, when that is over MAX_ROWS rows."""
    values = np.asarray(values)
    span = (len(values) - 1) / fps
    count = int(np.floor(span * rate + 1e-6)) + 1
    if count > MAX_ROWS:
        raise InputError(f"{span:.0f} s at {rate:g} fps is {count} rows; the limit is {MAX_ROWS} (two hours at 60 fps)")
    times = np.arange(count) / rate
    frames = np.minimum(times * fps, len(values) - 1)
    rows = np.stack([np.interp(frames, np.arange(len(values)), col) for col in values.T], 1)
    return times, rows.astype(np.result_type(values.dtype, np.float32))


def shifted(values: np.ndarray, frames: float) -> np.ndarray:
    """(T, C) samples moved `frames` later (earlier when negative), linearly between frames, the same
    length: the first (last) sample held over the frames it leaves uncovered."""
    values = np.asarray(values)
    if abs(frames) < 1e-9 or len(values) == 0:  # an offset that takes the calibration back exactly
        return values.copy()
    source = np.clip(np.arange(len(values)) - frames, 0, len(values) - 1)
    rows = np.stack([np.interp(source, np.arange(len(values)), col) for col in values.T], 1)
    return rows.astype(values.dtype)


MAX_SYNC_OFFSET_MS = 2000.0


def check_sync_offset(ms: object, source: str = "--sync-offset") -> float:
    """A sync offset in milliseconds (positive: the mouth later), finite and within +-2 s, or one
    InputError line naming `source`."""
    if isinstance(ms, bool) or not isinstance(ms, int | float) or not abs(float(ms)) <= MAX_SYNC_OFFSET_MS:
        raise InputError(f"{source}: a sync offset is milliseconds within +-{MAX_SYNC_OFFSET_MS:.0f}, not {ms!r}")
    return float(ms)
