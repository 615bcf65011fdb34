"""Training data: clips of (phoneme labels, expression) in official formats, style labels, sampling."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..formats.errors import InputError
from ..formats.labels import PHONEME_IDS, load_phoneme_labels, phoneme_windows, run_starts, shift_labels
from ..style.clip import load_expression
from .lipsync import BILABIALS, CLOSED_PERCENTILE


@dataclass(frozen=True)
class Clip:
    name: str
    style: str  # speaking-style label (speaker, or speaker + emotion) for the triplet loss
    speaker: str  # for the train/validation split
    exp: np.ndarray  # (T, 64)
    phonemes: np.ndarray | None  # (T,) or None for style-only clips


def style_labels(name: str) -> tuple[str, str]:
    """(style, speaker) from a clip name: `M030_front_angry_level3_001` -> (M030_angry, M030),
    `furious_talk1_clip2` -> (furious_talk1, furious_talk1), `Obama_clip3` -> (Obama, Obama)."""
    mead = re.match(r"^([A-Z]\d{3})_\w+?_([a-z]+)_level\d+_\d+$", name)
    if mead:
        return f"{mead[1]}_{mead[2]}", mead[1]
    base = re.sub(r"(_clip_?\d+)$", "", name)
    return base, base


def label_file_for(mat: Path) -> Path | None:
    """The labels of clip `mat` in its own clip set: `<name>_seq.json` beside it, or in the `phoneme`
    folder beside its `3DMM` folder (the official layout); never a same-named file elsewhere."""
    for candidate in (mat.with_name(f"{mat.stem}_seq.json"), mat.parent.parent / "phoneme" / f"{mat.stem}_seq.json"):
        if candidate.is_file():
            return candidate
    return None


def find_clips(roots: list[Path], warn: Callable[[str], None] | None = None) -> list[Clip]:
    """Every `.mat` under `roots`, paired with its labels when its clip set has them (label_file_for).
    A clip whose labels are only in another folder stays unlabelled, and `warn` is told."""
    for root in roots:
        if not Path(root).is_dir():
            raise InputError(f"{root}: not a folder (--data names folders of .mat clips)")
    elsewhere = {}
    for root in roots:
        for p in Path(root).rglob("*_seq.json"):
            elsewhere.setdefault(p.name.removesuffix("_seq.json"), []).append(p)
    clips = []
    for mat in sorted(p for root in roots for p in Path(root).rglob("*.mat")):
        exp = load_expression(mat)
        phon, labels = None, label_file_for(mat)
        if labels is not None:
            phon = load_phoneme_labels(labels)
            n = min(len(phon), len(exp))
            exp, phon = exp[:n], phon[:n]
        elif mat.stem in elsewhere and warn is not None:
            others = ", ".join(map(str, elsewhere[mat.stem][:2]))
            warn(f"{mat}: no labels beside it or in ../phoneme; {others} belongs to another clip set, not paired")
        style, speaker = style_labels(mat.stem)
        clips.append(Clip(mat.stem, style, speaker, exp, phon))
    return clips


def split_by_speaker(clips: list[Clip], val_speakers: set[str]) -> tuple[list[Clip], list[Clip]]:
    return [c for c in clips if c.speaker not in val_speakers], [c for c in clips if c.speaker in val_speakers]


def closing_frames(ids: np.ndarray) -> np.ndarray:
    """(T,) True on the middle frame of each run of a bilabial."""
    ids = np.asarray(ids)
    starts = np.append(run_starts(ids), len(ids))
    bilabials = [PHONEME_IDS[p] for p in BILABIALS]
    out = np.zeros(len(ids), bool)
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        if ids[a] in bilabials:
            out[(a + b - 1) // 2] = True
    return out


def shift_clip_labels(clips: list[Clip], shifts: dict[str, int]) -> list[Clip]:
    """The clips with their labels moved by `shifts[name]` frames (the prior fit's timing alignment)."""
    return [replace(c, phonemes=shift_labels(c.phonemes, shifts[c.name])) if shifts.get(c.name) else c for c in clips]


@dataclass
class Batch:
    windows: np.ndarray  # (B, T, 2 * win_size + 1) phoneme windows
    target: np.ndarray  # (B, T, 64) ground-truth expression
    style: np.ndarray  # (B, L, 64) style clip (same style as the target, another segment)
    style_mask: np.ndarray  # (B, L) True = padding
    style_ids: np.ndarray  # (B,) integer style label
    closing: np.ndarray | None = None  # (B, T) True on the middle frame of each B/M/P run
    closed: np.ndarray | None = None  # (B,) the target clip's closed-mouth level (opening units)


class SequenceSampler:
    """Random `seq_len`-frame sequences, each with a style clip cut from a random segment of the same clip.

    `level_shift`: the probability that a sample's target and style clip are both moved by the same
    vector, from their clip's mean expression to the mean of another clip (any clip, labelled or
    not). The per-clip level is mostly identity; few training speakers are too few to learn that the
    output level follows the style clip, and this teaches exactly that."""

    def __init__(
        self,
        clips: list[Clip],
        seq_len: int = 64,
        style_len: tuple[int, int] = (64, 256),
        win_size: int = 5,
        level_shift: float = 0.0,
        opening: np.ndarray | None = None,
    ):
        self.clips = clips
        self.level_shift = level_shift
        self.levels = np.stack([c.exp.mean(0) for c in clips]).astype(np.float32)
        self.paired = [c for c in clips if c.phonemes is not None and len(c.exp) >= seq_len]
        if not self.paired:
            raise InputError(f"no training clip has phoneme labels and >= {seq_len} frames (the sequence length)")
        self.styles = sorted({c.style for c in clips})
        self.style_index = {s: i for i, s in enumerate(self.styles)}
        self.seq_len, self.style_len, self.win_size = seq_len, style_len, win_size
        self.windows = [phoneme_windows(c.phonemes, win_size) for c in self.paired]
        self.paired_levels = [c.exp.mean(0) for c in self.paired]
        # with `opening` ((64,), how each coefficient opens the mouth): bilabial frames and closed levels
        self.opening = opening
        if opening is not None:
            self.closing = [closing_frames(c.phonemes) for c in self.paired]
            self.closed = [float(np.percentile(c.exp @ opening, CLOSED_PERCENTILE)) for c in self.paired]

    def _segment(self, exp: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.style_len
        n = int(rng.integers(min(lo, len(exp)), min(hi, len(exp)) + 1))
        s0 = int(rng.integers(len(exp) - n + 1))
        seg = np.zeros((hi, exp.shape[1]), np.float32)
        seg[:n] = exp[s0 : s0 + n]
        mask = np.ones(hi, bool)
        mask[:n] = False
        return seg, mask

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        windows, target, style, mask, ids, closing, closed = [], [], [], [], [], [], []
        for _ in range(batch_size):
            k = int(rng.integers(len(self.paired)))
            clip = self.paired[k]
            t0 = int(rng.integers(len(clip.exp) - self.seq_len + 1))
            windows.append(self.windows[k][t0 : t0 + self.seq_len])
            seg, m = self._segment(clip.exp, rng)
            shift = np.zeros(clip.exp.shape[1], np.float32)
            if self.level_shift > 0 and rng.random() < self.level_shift:
                shift = self.levels[int(rng.integers(len(self.levels)))] - self.paired_levels[k]
            target.append(clip.exp[t0 : t0 + self.seq_len] + shift)
            seg[~m] += shift
            style.append(seg)
            mask.append(m)
            ids.append(self.style_index[clip.style])
            if self.opening is not None:
                closing.append(self.closing[k][t0 : t0 + self.seq_len])
                closed.append(self.closed[k] + float(shift @ self.opening))
        batch = Batch(np.stack(windows), np.stack(target), np.stack(style), np.stack(mask), np.array(ids))
        if self.opening is not None:
            batch.closing, batch.closed = np.stack(closing), np.array(closed, np.float32)
        return batch

    def sample_styles(
        self, n_styles: int, per_style: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`per_style` segments from each of `n_styles` random styles (every clip, paired or not)."""
        chosen = rng.choice(len(self.styles), size=min(n_styles, len(self.styles)), replace=False)
        segs, masks, ids = [], [], []
        for i in chosen:
            pool = [c for c in self.clips if c.style == self.styles[i]]
            for _ in range(per_style):
                seg, m = self._segment(pool[int(rng.integers(len(pool)))].exp, rng)
                segs.append(seg)
                masks.append(m)
                ids.append(i)
        return np.stack(segs), np.stack(masks), np.array(ids)
