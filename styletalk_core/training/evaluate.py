"""Landmark-distance evaluation through the embedded face model: M-LMD / F-LMD analogues (px at 256²)
for a generator and three baselines on held-out clips."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..face.face_model import LIP_VERTICES, FaceModel, load_face_model
from ..formats.errors import InputError
from ..formats.labels import run_starts
from ..model.checkpoint import LoadedGenerator
from ..model.generate import generate_expression, reference_level, style_codes
from .dataset import Clip, find_clips


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


def evaluate(generator: LoadedGenerator, clips: list[Clip], mean_exp: np.ndarray, seed: int = 0) -> dict:
    """Per method: mean over clips of LandmarkScores; each clip is generated with its own first
    256 frames as the style reference. Baselines: the training mean expression; the mean of the
    style reference frames held still (how much the model gets from the style clip's level alone);
    the model with the phoneme runs shuffled (what it gets without lip-sync)."""
    model, face = generator.model, load_face_model()
    rng = np.random.default_rng(seed)
    rows: dict[str, list[LandmarkScores]] = {
        "model": [],
        "mean expression": [],
        "style-clip mean": [],
        "shuffled phonemes": [],
    }
    for clip in clips:
        if clip.phonemes is None:
            continue
        code = style_codes(model, [clip.exp])
        rows["model"].append(landmark_distance(generate_expression(model, clip.phonemes, code), clip.exp, face))
        rows["mean expression"].append(landmark_distance(np.repeat(mean_exp[None], len(clip.exp), 0), clip.exp, face))
        level = reference_level(clip.exp, model.config.style_max_len)
        rows["style-clip mean"].append(landmark_distance(np.repeat(level[None], len(clip.exp), 0), clip.exp, face))
        shuffled = generate_expression(model, shuffle_runs(clip.phonemes, rng), code)
        rows["shuffled phonemes"].append(landmark_distance(shuffled, clip.exp, face))
    return {
        k: {
            "M-LMD": float(np.mean([s.mouth for s in v])),
            "F-LMD": float(np.mean([s.face for s in v])),
            "motion": float(np.mean([s.motion for s in v])),
            "clips": len(v),
        }
        for k, v in rows.items()
        if v
    }


def evaluate_speakers(
    data: list[Path], speakers: list[str], checkpoint: Path | None = None, device: str | None = None
) -> dict:
    """`styletalk evaluate`: the labelled clips of `speakers` under `data`, against the checkpoint's
    training mean expression (or, for a checkpoint without one, the evaluated clips' mean)."""
    from ..formats.checkpoints import read_checkpoint
    from ..inference import load_model

    generator = load_model(checkpoint, device)
    clips = [c for c in find_clips(data) if c.speaker in set(speakers) and c.phonemes is not None]
    if not clips:
        raise InputError(f"no labelled clips of speakers {', '.join(speakers)} under the --data folders")
    stored = read_checkpoint(generator.path, "generator checkpoint").get("mean_exp")
    mean_exp = stored.numpy() if stored is not None else np.concatenate([c.exp for c in clips]).mean(0)
    return evaluate(generator, clips, mean_exp)


def format_table(table: dict, speakers: list[str]) -> list[str]:
    clips = next(iter(table.values()))["clips"]
    lines = [
        f"{clips} clips of {', '.join(speakers)}; landmark distance in px at 256x256 (embedded face model)",
        f"{'method':<20}{'M-LMD':>8}{'F-LMD':>8}{'motion':>8}",
    ]
    lines += [f"{name:<20}{row['M-LMD']:>8.3f}{row['F-LMD']:>8.3f}{row['motion']:>8.2f}" for name, row in table.items()]
    lines.append("motion: lip movement (std over time) relative to the real clip's")
    lines.append(f"model / mean-expression M-LMD: {table['model']['M-LMD'] / table['mean expression']['M-LMD']:.2f}")
    return lines
