"""Landmark-distance evaluation through the embedded face model: M-LMD / F-LMD analogues (px at 256²)
for a generator and three baselines on held-out clips."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..face.closure import close_bilabials
from ..face.face_model import FaceModel, load_face_model
from ..face.landmarks import LIP_VERTICES
from ..formats.errors import InputError
from ..formats.labels import run_starts
from ..formats.layout import FPS, LOWER_INDICES
from ..inference import closing_for
from ..model.checkpoint import LoadedGenerator
from ..model.generate import generate_expression, reference_level, style_codes
from ..settings import MODEL_LEAD_MS
from .dataset import Clip, find_clips
from .lipsync import VISEMES, lipsync_scores
from .prior import PhonemePrior, fit_prior

MODEL_LEAD = round(MODEL_LEAD_MS * FPS / 1000)  # frames: the network's mouth ahead of its labels
BASELINE_RADIUS = 7  # the linear baseline sees +-7 frames of phonemes (the network: its own window)


@dataclass
class LandmarkScores:
    mouth: float  # mean 2-D distance of the lip vertices, pixels of a 256x256 crop
    face: float  # the same over all 468 vertices
    motion: float  # lip movement: std over time of the lip vertices, predicted / true (1 = as lively)


def landmark_distance(pred_exp: np.ndarray, true_exp: np.ndarray, model: FaceModel) -> LandmarkScores:
    p, t = model.vertices(pred_exp)[..., :2], model.vertices(true_exp)[..., :2]
    dist = np.linalg.norm(p - t, axis=-1)  # (T, 468)
    lips = list(LIP_VERTICES)
    motion = p[:, lips].std(0).mean() / max(float(t[:, lips].std(0).mean()), 1e-9)
    return LandmarkScores(float(dist[:, lips].mean()), float(dist.mean()), float(motion))


def shuffle_runs(ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same phonemes with their runs in random order: right style and phoneme statistics,
    wrong timing (the lip-sync baseline)."""
    runs = np.split(ids, run_starts(ids)[1:])
    return np.concatenate([runs[i] for i in rng.permutation(len(runs))])


@dataclass
class Scores:
    """One method's scores on a clip, or their means over clips (each over the clips that have it: a
    clip without bilabials has no closure)."""

    mouth_lmd: float  # M-LMD: lip landmark distance, px at 256x256
    face_lmd: float  # F-LMD: the same over all 468 vertices
    motion: float  # lip movement, generated / real
    lip_r: float  # mouth opening vs the real one, best lag within 2 frames (lipsync.LipSync)
    lip_r0: float  # the same at lag 0
    closure: float | None  # B/M/P runs where the lips close
    amplitude: float  # std of the mouth opening, generated / real
    real_closure: float | None  # the same for the real clip
    visemes: dict[str, float | None]  # mean mouth opening per viseme class (px)
    real_visemes: dict[str, float | None]
    clips: int = 1

    def row(self) -> dict[str, float | None]:
        """The scores under the names the tables and the benchmark's JSON use (`lip r`, `M-LMD`, ...)."""
        named = {"M-LMD": self.mouth_lmd, "F-LMD": self.face_lmd, "motion": self.motion, "lip r": self.lip_r}
        named |= {"lip r at lag 0": self.lip_r0}
        named |= {"closure": self.closure, "amplitude": self.amplitude, "real closure": self.real_closure}
        named |= {f"viseme {k}": v for k, v in self.visemes.items()}
        return named | {f"real viseme {k}": v for k, v in self.real_visemes.items()} | {"clips": self.clips}


def clip_scores(pred: np.ndarray, clip: Clip, face: FaceModel) -> Scores:
    lm = landmark_distance(pred, clip.exp, face)
    sync = lipsync_scores(pred, clip.exp, clip.phonemes, face)
    visemes = {k: sync.visemes.get(k) for k in VISEMES}
    real = {k: sync.real_visemes.get(k) for k in VISEMES}
    return Scores(
        lm.mouth,
        lm.face,
        lm.motion,
        sync.lip_r,
        sync.lip_r0,
        sync.closure,
        sync.amplitude,
        sync.real_closure,
        visemes,
        real,
    )


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def mean_scores(rows: list[Scores]) -> Scores:
    """Per measure, the mean over the clips that have it."""

    def mean_of(name: str) -> float | None:
        return _mean([getattr(r, name) for r in rows])

    measures = ("mouth_lmd", "face_lmd", "motion", "lip_r", "lip_r0", "closure", "amplitude", "real_closure")
    visemes = {k: _mean([r.visemes[k] for r in rows]) for k in VISEMES}
    real = {k: _mean([r.real_visemes[k] for r in rows]) for k in VISEMES}
    return Scores(*(mean_of(m) for m in measures), visemes, real, clips=len(rows))


def phoneme_baseline(clips: list[Clip], face: FaceModel) -> PhonemePrior | None:
    """The linear phoneme-window baseline fitted on `clips` (None without labelled clips)."""
    labelled = [c for c in clips if c.phonemes is not None]
    return fit_prior(labelled, face, BASELINE_RADIUS, LOWER_INDICES) if labelled else None


def evaluate(
    generator: LoadedGenerator,
    clips: list[Clip],
    mean_exp: np.ndarray,
    seed: int = 0,
    baseline: PhonemePrior | None = None,
) -> dict[str, Scores]:
    """Per method: the mean over clips of the landmark distances and the lip-sync measures
    (`lipsync.lipsync_scores`); each clip is generated with its own first 256 frames as the style
    reference. Baselines: the training mean expression; the mean of the style reference frames held
    still (how much the model gets from the style clip's level alone); the model with the phoneme
    runs shuffled (what it gets without lip-sync); with `baseline`, the linear phoneme-window ridge
    on top of the style reference's mean (what the model has to beat). "model + lip closure" is the
    model as generate gives it, lips closed on p/b/m (face/closure.py) where its own mouth says them."""
    model, face = generator.model, load_face_model()
    rng = np.random.default_rng(seed)
    rows: dict[str, list[Scores]] = {"model": [], "model + lip closure": []}
    rows |= {"mean expression": [], "style-clip mean": [], "shuffled phonemes": []}
    if baseline is not None:
        rows["phoneme ridge"] = []
    for clip in clips:
        if clip.phonemes is None:
            continue
        code = style_codes(model, [clip.exp])
        level = reference_level(clip.exp, model.config.style_max_len)
        preds = {
            "model": generate_expression(model, clip.phonemes, code),
            "mean expression": np.repeat(mean_exp[None], len(clip.exp), 0),
            "style-clip mean": np.repeat(level[None], len(clip.exp), 0),
            "shuffled phonemes": generate_expression(model, shuffle_runs(clip.phonemes, rng), code),
        }
        closing = closing_for(generator, code)
        if closing is not None:
            preds["model + lip closure"] = close_bilabials(preds["model"], clip.phonemes, face, closing, MODEL_LEAD)
        if baseline is not None:
            preds["phoneme ridge"] = preds["style-clip mean"].copy()
            preds["phoneme ridge"][:, list(baseline.lower)] += baseline.predict(clip.phonemes)
        for name, pred in preds.items():
            rows[name].append(clip_scores(pred, clip, face))
    return {k: mean_scores(v) for k, v in rows.items() if v}


def evaluate_speakers(
    data: list[Path], speakers: list[str], checkpoint: Path | None = None, device: str | None = None
) -> dict[str, Scores]:
    """`styletalk evaluate`: the labelled clips of `speakers` under `data`, against the checkpoint's
    training mean expression (or, for a checkpoint without one, the evaluated clips' mean) and the
    phoneme ridge fitted on the other speakers' labelled clips under `data`."""
    from ..formats.checkpoints import read_checkpoint
    from ..inference import load_model

    generator = load_model(checkpoint, device)
    found = find_clips(data, warn=logging.getLogger("styletalk.evaluate").warning)
    clips = [c for c in found if c.speaker in set(speakers) and c.phonemes is not None]
    if not clips:
        raise InputError(f"no labelled clips of speakers {', '.join(speakers)} under the --data folders")
    stored = read_checkpoint(generator.path, "generator checkpoint").get("mean_exp")
    mean_exp = stored.numpy() if stored is not None else np.concatenate([c.exp for c in clips]).mean(0)
    baseline = phoneme_baseline([c for c in found if c.speaker not in set(speakers)], load_face_model())
    return evaluate(generator, clips, mean_exp, baseline=baseline)


def _cell(value: float | None, fmt: str) -> str:
    return format(value, fmt) if value is not None else "-"


def format_table(table: dict[str, Scores], speakers: list[str]) -> list[str]:
    clips = next(iter(table.values())).clips
    lines = [
        f"{clips} clips of {', '.join(speakers)}; landmark distance in px at 256x256 (embedded face model)",
        f"{'method':<20}{'M-LMD':>8}{'F-LMD':>8}{'motion':>8}{'lip r':>8}{'r0':>9}{'closure':>9}{'amplitude':>10}",
    ]
    for name, s in table.items():
        lines.append(
            f"{name:<20}{s.mouth_lmd:>8.3f}{s.face_lmd:>8.3f}{s.motion:>8.2f}{s.lip_r:>8.3f}{s.lip_r0:>9.3f}"
            f"{_cell(s.closure, '.0%'):>9}{s.amplitude:>10.2f}"
        )
    lines.append("motion: lip movement (std over time) relative to the real clip's; lip r: mouth opening vs the real")
    real = _cell(table["model"].real_closure, ".0%")
    lines.append("one (best lag within 2 frames; r0: at lag 0, the real clip's own timing); closure: B/M/P runs")
    lines.append(f"where the lips close (real clips: {real}); all at the network's own timing (no MODEL_SYNC_MS)")
    lines.append("amplitude: std of the mouth opening, generated / real")
    lines.append(f"model / mean-expression M-LMD: {table['model'].mouth_lmd / table['mean expression'].mouth_lmd:.2f}")
    if "phoneme ridge" in table:
        lines.append("phoneme ridge: a linear map from +-7 frames of phonemes, fitted on the other speakers' clips")
    return lines + viseme_lines(table)


def viseme_lines(table: dict[str, Scores]) -> list[str]:
    """Mean mouth opening (px) per viseme class: each method's and the real clips'."""
    names = [k for k in VISEMES if table["model"].visemes[k] is not None]
    lines = ["", "mean mouth opening (px) per viseme", f"{'method':<20}" + "".join(f"{n:>10}" for n in names)]
    rows = [("real", table["model"].real_visemes)] + [(name, s.visemes) for name, s in table.items()]
    for name, visemes in rows:
        lines.append(f"{name:<20}" + "".join(f"{_cell(visemes[k], '.2f'):>10}" for k in names))
    return lines
