"""Audio -> 30 fps phoneme labels with pocketsphinx (forced alignment, or recognition then alignment)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..extras import optional
from ..formats.errors import InputError
from ..formats.fileio import require_file
from ..formats.labels import PHONEME_IDS, SIL
from ..formats.layout import FPS
from .segments import MAX_SEGMENT, SAMPLE_RATE, merge_segments, speech_segments, split_transcript

# Official labels sit about one frame later than pocketsphinx's phone boundaries; measured on the
# official samples (benchmarks/phoneme_agreement.py): frame i takes the phone at i/30 s - 20 ms.
LABEL_DELAY_S = 0.02
CENTI = 100  # pocketsphinx frames per second
# With a transcript, audio up to this long is aligned in one pass (memory grows faster than the
# length: ~0.3 GB for 72 s, ~2.5 GB for 288 s); longer audio is aligned speech segment by segment.
LONG_AUDIO_S = 120.0
log = logging.getLogger("styletalk.phonemes")


def load_audio(path: str | os.PathLike) -> np.ndarray:
    """Any common audio file (wav/flac/mp3/ogg/m4a, any rate, any channels) -> 16 kHz mono int16."""
    av = optional("av", "audio")

    p = require_file(path, "audio file", InputError)
    try:
        with av.open(str(p)) as container:
            if not container.streams.audio:
                raise InputError(f"{p}: has no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            chunks = []
            for frame in container.decode(audio=0):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: cannot decode audio: {exc}") from None
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    if len(pcm) == 0:
        raise InputError(f"{p}: the audio is empty (0 samples)")
    return pcm.astype(np.int16)


def _decoder(**kwargs):
    Decoder = optional("pocketsphinx", "audio").Decoder
    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **kwargs)


def read_transcript(path: Path) -> str:
    """A transcript file's text (UTF-8), or one InputError line for a binary or mis-encoded file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text file (byte {exc.start}): a transcript is plain text") from None


def normalise_transcript(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def compound_pronunciation(word: str, lookup: Callable[[str], str | None]) -> str | None:
    """Letter-to-sound fallback for a word missing from the dictionary: the pronunciation of its
    split into the fewest dictionary words of two or more letters (`hairstyles` -> hair + styles,
    `renderer` -> render + er); None when no such split exists."""
    n = len(word)
    best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            prev = best[start]
            phones = lookup(word[start:end]) if prev is not None else None
            if phones and (best[end] is None or prev[0] + 1 < best[end][0]):
                best[end] = (prev[0] + 1, prev[1] + [phones])
    return " ".join(best[n][1]) if best[n] is not None and best[n][0] > 1 else None


def _pronounce(words: list[str], source: str) -> tuple[list[str], dict[str, str]]:
    """The words that can be aligned, and pronunciations to add for the ones the dictionary lacks
    (compound fallback); the rest are skipped with a warning."""
    dec = _decoder()
    extra = {}
    for w in sorted(set(words)):
        if dec.lookup_word(w) is None:
            phones = compound_pronunciation(w, dec.lookup_word)
            if phones:
                extra[w] = phones
    if extra:
        log.info("%s: pronounced as compounds: %s", source, ", ".join(f"{w} [{p}]" for w, p in extra.items()))
    known = [w for w in words if w in extra or dec.lookup_word(w) is not None]
    missing = sorted(set(words) - set(known))
    if missing:
        log.warning("%s: %d word(s) not in the dictionary, skipped: %s", source, len(missing), " ".join(missing[:10]))
    return known, extra


def _recognise(pcm: bytes) -> list[str]:
    dec = _decoder()
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    hyp = dec.hyp()
    return normalise_transcript(hyp.hypstr) if hyp is not None else []


def _align(pcm: bytes, words: list[str], extra: dict[str, str] | None = None) -> list[tuple[str, int, int]]:
    """(phone, start, duration) in 10 ms frames; [] when alignment fails. `extra`: pronunciations
    of words the dictionary lacks."""
    if not words:
        return []
    # wide beams: the default ones lose the forced path on unusual voices (e.g. synthetic speech)
    dec = _decoder(bestpath=False, beam=1e-80, wbeam=1e-60, pbeam=1e-80)
    for i, (word, phones) in enumerate((extra or {}).items()):
        dec.add_word(word, phones, update=i == len(extra) - 1)
    dec.set_align_text(" ".join(words))
    try:
        for first_pass in (True, False):  # first pass: word alignment; second: phones and states
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            if first_pass:
                dec.set_alignment()
    except RuntimeError:
        return []
    alignment = dec.get_alignment()
    return [(ph.name, ph.start, ph.duration) for word in alignment for ph in word] if alignment else []


def _paint(timeline: np.ndarray, phones: list[tuple[str, int, int]], offset: int) -> None:
    for name, start, duration in phones:
        pid = PHONEME_IDS.get(name, PHONEME_IDS["NSN"] if name.startswith("+") else SIL)
        timeline[offset + start : offset + start + duration] = pid


def frames_from_timeline(timeline: np.ndarray, n_frames: int, delay_s: float = LABEL_DELAY_S) -> np.ndarray:
    """Sample a 100 fps phone timeline at 30 fps: frame i takes the phone at i/30 s - delay."""
    idx = np.round((np.arange(n_frames) / FPS - delay_s) * CENTI).astype(int)
    return timeline[np.clip(idx, 0, len(timeline) - 1)]


def phonemes_from_audio(
    path: str | os.PathLike,
    transcript: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    long_audio_s: float = LONG_AUDIO_S,
) -> np.ndarray:
    """30 fps phindex labels, length floor(duration * 30). With a transcript: forced alignment
    (unknown words are skipped with a warning); audio longer than `long_audio_s` is aligned segment
    by segment (bounded memory), its words shared out by a recognition pass (`split_transcript`).
    Without: recognition per speech segment, then alignment of the hypothesis. Silence gives all SIL."""
    pcm = load_audio(path)
    n_frames = int(len(pcm) * FPS // SAMPLE_RATE)
    timeline = np.full(len(pcm) * CENTI // SAMPLE_RATE + 1, SIL, dtype=np.int64)
    total = len(pcm)
    words, extra = _pronounce(normalise_transcript(transcript), str(path)) if transcript is not None else ([], {})
    if transcript is not None and len(pcm) <= long_audio_s * SAMPLE_RATE:
        phones = _align(pcm.tobytes(), words, extra)
        if words and not phones:
            log.warning("%s: alignment with the transcript failed; falling back to recognition", path)
            transcript = None
        _paint(timeline, phones, 0)
    elif transcript is not None:
        segments = merge_segments(pcm, list(speech_segments(pcm)), MAX_SEGMENT)
        hyps = []
        for start, seg in segments:  # recognition pass: the first half of the work
            hyps.append(_recognise(seg))
            if progress is not None:
                progress(min(start + len(seg) // 2, total) // 2, total)
        shares = split_transcript(words, hyps, [len(seg) for _, seg in segments])
        for (start, seg), hyp, share in zip(segments, hyps, shares, strict=True):
            phones = _align(seg, share, extra)
            if share and not phones:
                log.warning(
                    "%s: at %.1f s: alignment with the transcript failed; recognised", path, start / SAMPLE_RATE
                )
            _paint(timeline, phones or _align(seg, hyp), start * CENTI // SAMPLE_RATE)
            if progress is not None:
                progress((total + min(start + len(seg) // 2, total)) // 2, total)
    if transcript is None:
        for start, seg in speech_segments(pcm):
            offset = start * CENTI // SAMPLE_RATE
            _paint(timeline, _align(seg, _recognise(seg)), offset)
            if progress is not None:
                progress(min(start + len(seg) // 2, total), total)
    if progress is not None:
        progress(len(pcm), len(pcm))
    return frames_from_timeline(timeline, n_frames)
