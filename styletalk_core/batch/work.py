"""One take's work, the same in every process that runs it (this one, a local worker, a cluster's
worker): audio -> labels -> curves. Each process loads the model and builds its decoders once, and
encodes each style once; torch runs on one thread per process, so every path gives the same numbers."""

from __future__ import annotations

import contextlib
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..formats.curves import Curves
from ..formats.errors import InputError, StyleTalkError
from ..formats.fileio import input_hash
from ..formats.labelling import LabelOptions
from ..formats.style import StyleSpec
from ..settings import GenerateSettings

_generators: dict = {}  # checkpoint -> LoadedGenerator, per process
_codes: dict = {}  # (checkpoint, style key) -> style code, per process
_closings: dict = {}  # (checkpoint, style key) -> the style's way of closing its lips (or None), per process
UNIT_TAKES = 8  # takes generated together at most (their windows pooled)
UNITS = 16  # work units at least, where there are as many takes: enough for 16 workers


@dataclass(frozen=True)
class Job:
    """What a process needs for one take, with no file of the manifest's but the audio (or its bytes)."""

    id: str
    audio: str  # the path, as the manifest gave it
    labelling: LabelOptions
    styles: tuple[StyleSpec, ...]
    clips: tuple[np.ndarray | None, ...]  # loaded clips (None for a preset)
    style_key: str  # the same for the same styles, weights and strength
    settings: GenerateSettings  # strength, sync offset, lip closure, checkpoint (the device: each worker's CPU)
    pose: np.ndarray | None
    pose_path: str | None
    audio_bytes: bytes | None = None  # for a worker that cannot see the driver's files
    audio_sha: str = ""  # sha256 of the audio's bytes when the batch checked it (its record says so)


@dataclass(frozen=True)
class Result:
    id: str
    curves: Curves | None
    error: str | None = None
    made: dict = field(default_factory=dict)  # output kind -> bytes a cluster's worker wrote


def one_thread() -> None:
    """A worker process's set-up: one torch thread, no nested process pools, Ctrl-C left to the parent."""
    from ..threads import set_cpu_threads

    with contextlib.suppress(ValueError):  # not the main thread (a cluster worker's executor)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_cpu_threads(1)


@contextlib.contextmanager
def _audio_path(job: Job):
    if job.audio_bytes is None:
        yield job.audio
        return
    with tempfile.TemporaryDirectory(prefix="styletalk_take_") as tmp:
        path = Path(tmp) / f"audio{Path(job.audio).suffix}"
        path.write_bytes(job.audio_bytes)
        yield str(path)


def _generator(checkpoint: str | None):
    from ..inference import load_model

    if checkpoint not in _generators:
        _generators[checkpoint] = load_model(checkpoint, "cpu")
    return _generators[checkpoint]


def _labels(job: Job) -> np.ndarray:
    from ..speech.phonemes import phonemes_from_audio

    with _audio_path(job) as audio:
        _same_audio(job, audio)
        try:
            ids = phonemes_from_audio(audio, job.labelling)
        except StyleTalkError as exc:
            raise type(exc)(str(exc).replace(audio, job.audio)) from None
        _same_audio(job, audio)
        return ids


def _same_audio(job: Job, audio: str) -> None:
    """The audio is still the bytes the batch checked (and its record will name), or one line."""
    if job.audio_sha and input_hash(audio, job.audio) != job.audio_sha:
        raise InputError(f"{job.audio}: changed since the batch checked it; run the batch again")


def run_unit(jobs: tuple[Job, ...]) -> list[Result]:
    """A work unit: takes sharing one style (style_key and checkpoint), each labelled, then generated
    together in one pass (inference.generate_takes); a take's one-line reason if it fails."""
    from ..inference import closing_for, generate_takes, style_code

    labelled, results = [], {}
    for job in jobs:
        try:
            labelled.append((job, _labels(job)))
        except StyleTalkError as exc:
            results[job.id] = Result(job.id, None, str(exc))
    if labelled:
        first = labelled[0][0]
        generator = _generator(first.settings.checkpoint)
        key = (first.settings.checkpoint, first.style_key)
        try:
            if key not in _codes:
                _codes[key] = style_code(generator, first.styles, first.clips, first.settings.style_strength)
                _closings[key] = closing_for(generator, _codes[key])
            exps = generate_takes(generator, [ids for _, ids in labelled], _codes[key])
        except StyleTalkError as exc:  # the style's fault: every take of the unit fails with it
            results.update((job.id, Result(job.id, None, str(exc))) for job, _ in labelled)
        else:
            for (job, ids), exp in zip(labelled, exps, strict=True):
                closing = _closings[key] if job.settings.lip_closure else None
                results[job.id] = _curves(job, ids, exp, generator, closing)
    return [results[job.id] for job in jobs]


def _curves(job: Job, ids: np.ndarray, exp: np.ndarray, generator, closing) -> Result:
    from ..inference import Made, curves_from_expression

    try:
        made = Made(job.styles, job.settings, job.pose, job.pose_path)
        curves = curves_from_expression(exp, ids, generator, made, closing)
    except StyleTalkError as exc:
        return Result(job.id, None, str(exc))
    curves.meta.update(take=job.id, audio=job.audio, language=job.labelling.language.code)
    return Result(job.id, curves)


def units(jobs: list[Job], most: int = UNIT_TAKES) -> list[tuple[Job, ...]]:
    """Jobs in work units: consecutive takes (manifest order) of one style, at most `most` a unit and
    at least UNITS units where there are that many takes, so that workers stay busy to the end. The
    split depends only on the jobs, so every engine and worker count generates the same units."""
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault((job.settings.checkpoint, job.style_key), []).append(job)
    size = max(1, min(most, len(jobs) // UNITS))
    return [tuple(g[i : i + size]) for g in groups.values() for i in range(0, len(g), size)]
