"""Frame rates: series sampled at one rate, resampled linearly to another over the same span."""

from __future__ import annotations

import numpy as np


def resample(values: np.ndarray, fps: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(times, rows): (T, C) samples at `fps` linearly resampled at `rate` from t = 0 to the last
    sample's time (a sample that falls within a millionth of a frame of the end is kept)."""
    values = np.asarray(values)
    span = (len(values) - 1) / fps
    times = np.arange(int(np.floor(span * rate + 1e-6)) + 1) / rate
    frames = np.minimum(times * fps, len(values) - 1)
    rows = np.stack([np.interp(frames, np.arange(len(values)), col) for col in values.T], 1)
    return times, rows.astype(np.result_type(values.dtype, np.float32))
