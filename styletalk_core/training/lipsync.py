"""Lip-sync measures through the embedded face model (the default model's yardsticks): how the mouth opening
(the vertical inner-lip gap, `face_model.mouth_opening`) follows the real one over time, whether the
lips close on bilabials, how lively it is, and the mean opening per viseme class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..face.face_model import FaceModel, mouth_opening
from ..formats.labels import PHONEME_IDS, run_starts

BILABIALS = ("B", "M", "P")
CLOSED_PERCENTILE = 25  # a clip's closed mouth: this percentile of its own opening
VISEMES = {"B/M/P": BILABIALS, "F/V": ("F", "V"), "AA/AE/AY": ("AA", "AE", "AY"), "OW/UW": ("OW", "UW"), "IY": ("IY",)}
MAX_LAG = 2  # frames either way: label timing is not exact to a frame
STILL = 1e-3  # px: an opening whose std is below this is a mouth held still


def _still(x: np.ndarray) -> bool:
    return float(np.asarray(x, np.float64).std()) < STILL


def opening(exp: np.ndarray, face: FaceModel) -> np.ndarray:
    """(T,) mouth opening in pixels at 256x256 of (T, 64) expression coefficients."""
    return mouth_opening(face.vertices(exp))


def best_lag_r(pred: np.ndarray, true: np.ndarray, max_lag: int = MAX_LAG) -> tuple[float, int]:
    """Pearson r of two series at the lag (|lag| <= max_lag frames) where it is highest, and that lag
    (positive: `pred` late). A constant series has r 0."""
    n = min(len(pred), len(true))
    best = (-1.0, 0)
    for lag in range(-max_lag, max_lag + 1):
        a = pred[max(lag, 0) : n + min(lag, 0)]
        b = true[max(-lag, 0) : n - max(lag, 0)]
        if len(a) < 3 or _still(a) or _still(b):
            r = 0.0
        else:
            r = float(np.corrcoef(a.astype(np.float64), b.astype(np.float64))[0, 1])
        best = max(best, (r, lag))
    return best


def bilabial_closure(open_: np.ndarray, labels: np.ndarray, max_lag: int = MAX_LAG) -> float | None:
    """Share of the B/M/P runs in `labels` where the opening drops, within `max_lag` frames of the
    run, to the clip's own 25th percentile; None when the labels have no bilabial or the mouth is held
    still (its percentile says nothing then)."""
    n = min(len(open_), len(labels))
    open_, labels = open_[:n], labels[:n]
    if _still(open_):
        return None
    closed = np.percentile(open_, CLOSED_PERCENTILE)
    ids = [PHONEME_IDS[p] for p in BILABIALS]
    starts = np.append(run_starts(labels), n)
    runs = [(a, b) for a, b in zip(starts[:-1], starts[1:], strict=True) if labels[a] in ids]
    if not runs:
        return None
    hits = [open_[max(a - max_lag, 0) : min(b + max_lag, n)].min() <= closed for a, b in runs]
    return float(np.mean(hits))


def viseme_openings(open_: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Mean opening over the frames of each viseme class present in the labels."""
    n = min(len(open_), len(labels))
    out = {}
    for name, symbols in VISEMES.items():
        frames = np.isin(labels[:n], [PHONEME_IDS[s] for s in symbols])
        if frames.any():
            out[name] = float(open_[:n][frames].mean())
    return out


@dataclass(frozen=True)
class LipSync:
    """How a predicted clip's lips follow the real ones (lipsync_scores)."""

    lip_r: float  # the mouth opening's r against the real one, at the best lag within +-2 frames
    lag: int
    lip_r0: float  # the same at lag 0: the timing exactly as the real clip's
    closure: float | None  # share of the B/M/P runs where the prediction closes; None without any
    amplitude: float  # the opening's std, predicted / real
    visemes: dict[str, float]  # mean opening per viseme class present (the prediction)
    real_visemes: dict[str, float]
    real_closure: float | None


def lipsync_scores(pred_exp: np.ndarray, true_exp: np.ndarray, labels: np.ndarray, face: FaceModel) -> LipSync:
    """Opening r (best lag), bilabial closure of the prediction, amplitude (std of the opening,
    predicted / real) and per-viseme mean openings of both."""
    pred, true = opening(pred_exp, face), opening(true_exp, face)
    r, lag = best_lag_r(pred, true)
    amplitude = float(pred.std() / max(true.std(), 1e-9))
    return LipSync(
        r,
        lag,
        best_lag_r(pred, true, 0)[0],
        bilabial_closure(pred, labels),
        amplitude,
        viseme_openings(pred, labels),
        viseme_openings(true, labels),
        bilabial_closure(true, labels),
    )
