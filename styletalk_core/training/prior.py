"""The phoneme->mouth prior: a ridge map from phoneme windows to the lower-face coefficients, with the
training clips' label timing aligned first. It is the linear lip-sync baseline of `styletalk evaluate`
and, inside the default model (`phoneme_prior`), the lower face's motion (which the lower decoder
refines only with `--refine-lower`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..face.face_model import FaceModel, mouth_opening
from ..formats.labels import NUM_PHONEMES, PHONEME_IDS, phoneme_windows, shift_labels
from .dataset import Clip
from .lipsync import BILABIALS, best_lag_r

# Viseme groups: the ridge also sees the group of each phoneme, so rare phonemes borrow from their
# group (the fit stays exactly representable as one weight per (window position, phoneme)).
VISEME_GROUPS = (
    ("AA", "AE", "AH", "AY", "AW"),
    ("AO", "OW", "OY", "UH", "UW", "W"),
    ("EH", "EY", "IH", "IY", "Y", "ER"),
    ("B", "M", "P"),
    ("F", "V"),
    ("CH", "JH", "SH", "ZH"),
    ("D", "T", "N", "L", "DH", "TH", "S", "Z", "R"),
    ("G", "K", "NG", "HH"),
    ("SIL", "NSN"),
)
GROUP_OF = np.array([next(i for i, g in enumerate(VISEME_GROUPS) if s in g) for s in PHONEME_IDS], np.int64)


@dataclass(frozen=True)
class PriorSettings:
    ridge: float = 30.0  # L2 penalty on the one-hot window weights
    align_rounds: int = 3  # rounds of (fit, shift each training clip's labels to its best lag)
    max_shift: int = 8  # frames a training clip's labels may move
    match_amplitude: bool = True  # scale so held-out mouth motion is as large as real (see fit_prior)
    # frames the fitted mouth moves ahead of its labels. The real clips' mouths lead their labels by
    # 3-8 frames (`label_leads`); lip r (vs the real mouth, within 2 frames) wants the lead, closure
    # on the labelled B/M/P runs (within 2 frames) wants none: 3.5 measured best for both
    # (benchmarks/prior_ablation.py)
    lead: float = 3.5


@dataclass(frozen=True)
class PhonemePrior:
    weights: np.ndarray  # (W, NUM_PHONEMES, D) per window position and phoneme
    bias: np.ndarray  # (D,)
    lower: tuple[int, ...]  # the expression dims it predicts (motion around the clip's mean)
    shifts: dict[str, int]  # per training clip: frames its labels were moved (positive: later)
    gain: float  # the amplitude scale applied to the ridge fit
    opening: np.ndarray  # (D,) px of mouth opening per unit of each lower dim
    scale: float  # the training clips' median opening std (px): the amplitude `predict` moves at

    def predict(self, ids: np.ndarray) -> np.ndarray:
        """(T,) phoneme ids -> (T, D) lower-face motion."""
        return _predict(self.weights, self.bias, phoneme_windows(ids, self.weights.shape[0] // 2))


def _predict(weights: np.ndarray, bias: np.ndarray, windows: np.ndarray) -> np.ndarray:
    return weights[np.arange(windows.shape[1]), windows].sum(1) + bias


def _features(windows: np.ndarray) -> np.ndarray:
    """(T, W) windows -> (T, W * (phonemes + groups)) one-hot features."""
    t, w = windows.shape
    x = np.zeros((t, w, NUM_PHONEMES + len(VISEME_GROUPS)), np.float32)
    rows, cols = np.arange(t)[:, None], np.arange(w)[None]
    x[rows, cols, windows] = 1
    x[rows, cols, NUM_PHONEMES + GROUP_OF[windows]] = 1
    return x.reshape(t, -1)


def opening_direction(face: FaceModel, lower: tuple[int, ...]) -> np.ndarray:
    """(D,) how much each lower dim opens the mouth (the face model is linear)."""
    eye = np.eye(face.basis.shape[0], dtype=np.float32)[list(lower)]
    return mouth_opening(face.mean + np.tensordot(eye, face.basis, axes=(-1, 0))) - mouth_opening(face.mean)


def _ridge(clips: list[Clip], shifts: dict[str, int], win: int, lower: list[int], d: np.ndarray, ridge: float):
    """Weights (W, P, D) and bias fitted to each clip's motion around its mean, each clip's motion
    scaled to unit opening std (so every speaker's timing counts alike, whatever their amplitude)."""
    xs, ys = [], []
    for c in clips:
        xs.append(_features(phoneme_windows(shift_labels(c.phonemes, shifts[c.name]), win)))
        y = c.exp[:, lower] - c.exp[:, lower].mean(0)
        ys.append(y / max(float((y @ d).std()), 1e-6))
    x, y = np.concatenate(xs), np.concatenate(ys).astype(np.float64)
    x_mean, y_mean = x.mean(0), y.mean(0)
    xc = (x - x_mean).astype(np.float64)
    beta = np.linalg.solve(xc.T @ xc + ridge * np.eye(xc.shape[1]), xc.T @ (y - y_mean))
    bias = y_mean - x_mean @ beta
    beta = beta.reshape(2 * win + 1, NUM_PHONEMES + len(VISEME_GROUPS), -1)
    return beta[:, :NUM_PHONEMES] + beta[:, NUM_PHONEMES + GROUP_OF], bias


def _opening(c: Clip, d: np.ndarray, lower: list[int]) -> np.ndarray:
    return (c.exp[:, lower] - c.exp[:, lower].mean(0)) @ d


OPEN_VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY")


def label_leads(clips: list[Clip], d: np.ndarray, lower: list[int], max_lag: int = 10) -> dict[str, int]:
    """Per clip, how many frames its mouth moves ahead of its labels: the lag where the opening agrees
    best with +1 on open vowels and -1 on bilabials, placed at the labels (the strongest contrast the
    lips make, with no timing of its own)."""
    vowels, closing = [PHONEME_IDS[p] for p in OPEN_VOWELS], [PHONEME_IDS[p] for p in BILABIALS]
    out = {}
    for c in clips:
        template = np.isin(c.phonemes, vowels).astype(np.float64) - np.isin(c.phonemes, closing)
        out[c.name] = best_lag_r(template, _opening(c, d, lower), max_lag)[1]
    return out


def _aligned_fit(clips: list[Clip], win: int, lower: list[int], d: np.ndarray, s: PriorSettings, lead: int):
    """Move each clip's labels so that its mouth leads them by `lead` frames (`label_leads`), then
    rounds of: fit, move each clip's labels to where the fit agrees best with its mouth; the mean shift
    stays that of the leads (the rounds refine clips against each other)."""
    shifts = {k: int(np.clip(lead - v, -s.max_shift, s.max_shift)) for k, v in label_leads(clips, d, lower).items()}
    mean_shift = float(np.mean(list(shifts.values())))
    for _ in range(s.align_rounds):
        weights, bias = _ridge(clips, shifts, win, lower, d, s.ridge)
        for c in clips:
            pred = _predict(weights, bias, phoneme_windows(shift_labels(c.phonemes, shifts[c.name]), win)) @ d
            moved = shifts[c.name] - best_lag_r(pred, _opening(c, d, lower), 3)[1]
            shifts[c.name] = int(np.clip(moved, -s.max_shift, s.max_shift))
        centre = int(round(np.mean(list(shifts.values())) - mean_shift))
        shifts = {k: v - centre for k, v in shifts.items()}
    return (*_ridge(clips, shifts, win, lower, d, s.ridge), shifts)


def _amplitude_gain(clips: list[Clip], win: int, lower: list[int], d: np.ndarray, s: PriorSettings, lead: int) -> float:
    """Real / predicted opening std (the fit's units) on speakers left out of the fit, in turn: a ridge
    fit shrinks an unseen speaker's motion (by about its r), and a mouth hedging half-open never closes."""
    speakers = sorted({c.speaker for c in clips})
    ratios = []
    for sp in speakers if len(speakers) > 1 else []:
        weights, bias, _ = _aligned_fit([c for c in clips if c.speaker != sp], win, lower, d, s, lead)
        for c in (c for c in clips if c.speaker == sp):
            pred = _predict(weights, bias, phoneme_windows(c.phonemes, win)) @ d
            ratios.append(1.0 / max(float(pred.std()), 1e-6))  # the fit's target has unit std
    return float(np.median(ratios)) if ratios else 1.0


def fit_prior(
    clips: list[Clip], face: FaceModel, win: int, lower: tuple[int, ...], settings: PriorSettings | None = None
) -> PhonemePrior:
    """The prior from the labelled clips: aligned ridge fit in units of each clip's opening std,
    rescaled to the clips' median opening std (mouth motion in coefficients) and, with
    `match_amplitude`, by the held-out amplitude gain. A fractional `lead` blends the fits at the two
    whole leads around it (the label shifts reported are the lower one's)."""
    s = settings or PriorSettings()
    paired = [c for c in clips if c.phonemes is not None]
    if not paired:
        raise ValueError("the phoneme prior needs clips with phoneme labels")
    idx = list(lower)
    d = opening_direction(face, lower).astype(np.float64)
    scale = float(np.median([_opening(c, d, idx).std() for c in paired]))
    low = int(np.floor(s.lead))
    blend = [(low, 1 - (s.lead - low)), (low + 1, s.lead - low)]
    weights, bias, gains, shifts = 0.0, 0.0, [], None
    for lead, share in (b for b in blend if b[1] > 0):
        w, b, fitted = _aligned_fit(paired, win, idx, d, s, lead)
        gains.append(_amplitude_gain(paired, win, idx, d, s, lead) if s.match_amplitude else 1.0)
        weights, bias = weights + share * scale * gains[-1] * w, bias + share * scale * gains[-1] * b
        shifts = shifts or fitted
    gain = float(np.mean(gains))
    return PhonemePrior(
        weights.astype(np.float32), bias.astype(np.float32), tuple(lower), shifts, gain, d.astype(np.float32), scale
    )
