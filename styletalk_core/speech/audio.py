"""Audio files: any common format decoded to 16 kHz mono int16, refusing empty, corrupt or
non-finite audio with one line."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..extras import optional
from ..formats.errors import InputError
from ..formats.progress import Progress
from ..media import open_media

SAMPLE_RATE = 16000  # what pocketsphinx's en-us model expects


def _finite(frame, source: str) -> None:
    """Float audio with NaN/inf samples would silently become full-scale noise or silence."""
    samples = frame.to_ndarray()
    if samples.dtype.kind == "f" and not np.isfinite(samples).all():
        raise InputError(f"{source}: the audio has NaN or inf samples (at {float(frame.time or 0):.2f} s)")


def load_audio(path: str | os.PathLike, progress: Progress | None = None) -> np.ndarray:
    """Any common audio file (wav/flac/mp3/ogg/m4a, any rate, any channels) -> 16 kHz mono int16.
    `progress(done, total)` in decoded milliseconds, when the file states its duration."""
    av = optional("av", "audio")
    p = Path(path)
    try:
        with open_media(p, "audio", "audio") as container:
            total = int(container.duration / 1000) if container.duration else 0
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            chunks = []
            for frame in container.decode(audio=0):
                _finite(frame, str(p))
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
                if progress is not None and total:
                    progress(min(int(frame.time * 1000) if frame.time is not None else 0, total), total)
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: cannot decode audio: {exc}") from None
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    if len(pcm) == 0:
        raise InputError(f"{p}: the audio is empty (0 samples)")
    return pcm.astype(np.int16)


def check_audio(path: str | os.PathLike) -> float:
    """Decode the whole file once (fast) so that a bad audio file fails before slow work; returns seconds."""
    return len(load_audio(path)) / SAMPLE_RATE


TARGET_PEAK = 0.5  # of full scale: where the recogniser's front end gets the speech's loudest peaks
MAX_GAIN = 1000.0  # +60 dB: speech at -50 dBFS comes up to the level of a normal take
NOISE_FLOOR_DBFS = -60.0  # a quiet room's floor under a close microphone
FLOOR_HOP = SAMPLE_RATE // 100  # the recogniser's 10 ms frames


def _amplitude(dbfs: float) -> float:
    return 32767 * 10 ** (dbfs / 20)


def audible_frames(x: np.ndarray, above_db: float = 0.0) -> np.ndarray:
    """Which 10 ms frames of audio at full level rise `above_db` over the noise floor."""
    floor = _amplitude(NOISE_FLOOR_DBFS + above_db)
    frames = np.arange(len(x)) // FLOOR_HOP
    power = np.bincount(frames, np.asarray(x, np.float64) ** 2) / np.bincount(frames)
    return power >= floor**2


def condition(pcm: np.ndarray) -> np.ndarray:
    """The audio as the recogniser hears it best, whatever the recording did to it: its DC offset
    removed, its level brought to TARGET_PEAK (a robust peak, the 99.9th percentile, so clipped or
    single loud samples do not set it), and a natural noise floor (NOISE_FLOOR_DBFS) where it has none.
    pocketsphinx's front end takes the log of each frame's energy and tracks the noise floor: runs of
    exact digital zeros (TTS temp dialogue, noise gates, padding) give it -inf frames and a floor of
    nothing, and about half the speech came out as silence. So every 10 ms quieter than the floor gets
    the floor added: a pause of zeros sounds like a pause of room tone. Louder frames are left as they
    are: noise laid over a recording's speech cost it 2-3 points of label agreement, and replacing
    (not adding to) frames up to 6 dB above the floor cost 6 (benchmarks/phoneme_agreement.py). The
    noise is seeded by the audio's length: the same file gives the same labels."""
    x = pcm.astype(np.float64)
    x -= x.mean()
    peak = float(np.percentile(np.abs(x), 99.9)) if len(x) else 0.0
    x *= min(MAX_GAIN, TARGET_PEAK * 32767 / peak) if peak > 0 else 1.0
    noise = np.random.default_rng(len(pcm)).normal(0.0, _amplitude(NOISE_FLOOR_DBFS), len(x))
    x = np.where(np.repeat(~audible_frames(x), FLOOR_HOP)[: len(x)], x + noise, x)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
