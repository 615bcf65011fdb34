"""One take's work, the same in every process that runs it (this one, a local worker, a cluster's
worker): audio -> labels -> curves. Each process loads the model and builds its decoders once, and
encodes each style once; torch runs on one thread per process, so every path gives the same numbers."""

from __future__ import annotations

import contextlib
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..formats.curves import Curves
from ..formats.errors import StyleTalkError
from ..inference import StyleSpec

_generators: dict = {}  # checkpoint -> LoadedGenerator, per process
_codes: dict = {}  # (checkpoint, style key) -> style code, per process


@dataclass(frozen=True)
class Job:
    """What a process needs for one take, with no file of the manifest's but the audio (or its bytes)."""

    id: str
    audio: str  # the path, as the manifest gave it
    transcript: str | None
    styles: tuple[StyleSpec, ...]
    clips: tuple[np.ndarray | None, ...]  # loaded clips (None for a preset)
    style_key: str  # the same for the same styles, weights and strength
    strength: float
    pose: np.ndarray | None
    pose_path: str | None
    checkpoint: str | None
    audio_bytes: bytes | None = None  # for a worker that cannot see the driver's files


@dataclass(frozen=True)
class Result:
    id: str
    curves: Curves | None
    error: str | None = None


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


def run_job(job: Job) -> Result:
    """The take's curves, or the one-line reason it has none."""
    from ..inference import generate_curves, style_code
    from ..speech.phonemes import phonemes_from_audio

    try:
        with _audio_path(job) as audio:
            try:
                ids = phonemes_from_audio(audio, job.transcript)
            except StyleTalkError as exc:
                raise type(exc)(str(exc).replace(audio, job.audio)) from None
        generator = _generator(job.checkpoint)
        key = (job.checkpoint, job.style_key)
        if key not in _codes:
            _codes[key] = style_code(generator, job.styles, job.clips, job.strength)
        curves = generate_curves(ids, job.styles, generator=generator, code=_codes[key], pose=job.pose,
                                 pose_path=job.pose_path, strength=job.strength,
                                 meta={"take": job.id, "audio": job.audio})  # fmt: skip
    except StyleTalkError as exc:
        return Result(job.id, None, str(exc))
    return Result(job.id, curves)
