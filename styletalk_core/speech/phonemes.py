"""Audio -> 30 fps phoneme labels with pocketsphinx (forced alignment, or recognition then alignment)."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..children import isolate_spawned_workers
from ..extras import optional
from ..formats.errors import InputError
from ..formats.labels import PHONEME_IDS, SIL
from ..formats.layout import FPS
from ..formats.progress import Progress
from ..threads import cpu_threads, end_pool
from .audio import SAMPLE_RATE, load_audio
from .segments import MAX_SEGMENT, merge_segments, speech_segments, split_transcript

# Official labels sit about one frame later than pocketsphinx's phone boundaries; measured on the
# official samples (benchmarks/phoneme_agreement.py): frame i takes the phone at i/30 s - 20 ms.
LABEL_DELAY_S = 0.02
CENTI = 100  # pocketsphinx frames per second
# With a transcript, audio up to this long is aligned in one pass (memory grows faster than the
# length: ~0.3 GB for 72 s, ~2.5 GB for 288 s); longer audio is aligned speech segment by segment.
LONG_AUDIO_S = 120.0
log = logging.getLogger("styletalk.phonemes")


def _decoder(**kwargs):
    Decoder = optional("pocketsphinx", "audio").Decoder
    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **kwargs)


# wide beams: the default ones lose the forced path on unusual voices (e.g. synthetic speech)
ALIGN_BEAMS = {"bestpath": False, "beam": 1e-80, "wbeam": 1e-60, "pbeam": 1e-80}


@functools.lru_cache(maxsize=1)
def _recogniser():
    """One recognition decoder per process (building one loads the models and the language model:
    ~0.45 s)."""
    return _decoder()


@functools.lru_cache(maxsize=1)
def _aligner(extra: tuple[tuple[str, str], ...] = ()):
    """One alignment decoder per process and set of added pronunciations; also the dictionary the
    transcript's words are looked up in. Alignment searches the transcript alone, so no language
    model is loaded (0.15 s to build instead of 0.37; the same labels: benchmarks/phoneme_agreement.py)."""
    dec = _decoder(lm=None, **ALIGN_BEAMS)
    for i, (word, phones) in enumerate(extra):
        dec.add_word(word, phones, update=i == len(extra) - 1)
    return dec


def _utterance(dec, pcm: bytes) -> None:
    """One utterance (the caller resets the front end first with reinit_feat: its noise estimate and
    cepstral mean carry over otherwise, and a reused decoder then labels differently)."""
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()


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
    dec = _aligner()  # the dictionary alone: no recognition decoder is built to look words up
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
    dec = _recogniser()
    dec.reinit_feat()
    _utterance(dec, pcm)
    hyp = dec.hyp()
    return normalise_transcript(hyp.hypstr) if hyp is not None else []


def _align(pcm: bytes, words: list[str], extra: dict[str, str] | None = None) -> list[tuple[str, int, int]]:
    """(phone, start, duration) in 10 ms frames; [] when alignment fails. `extra`: pronunciations
    of words the dictionary lacks."""
    if not words:
        return []
    dec = _aligner(tuple(sorted((extra or {}).items())))
    dec.reinit_feat()  # before the first pass only: a new decoder's second pass starts from the first's
    dec.set_align_text(" ".join(words))
    try:
        for first_pass in (True, False):  # first pass: word alignment; second: phones and states
            _utterance(dec, pcm)
            if first_pass:
                dec.set_alignment()
    except RuntimeError:
        return []
    alignment = dec.get_alignment()
    return [(ph.name, ph.start, ph.duration) for word in alignment for ph in word] if alignment else []


def _recognise_and_align(pcm: bytes) -> list[tuple[str, int, int]]:
    return _align(pcm, _recognise(pcm))


POOL_MIN_SEGMENTS = 3  # fewer: starting the worker processes (~1 s) costs more than it saves


@contextlib.contextmanager
def _segment_map(count: int) -> Iterator[Callable]:
    """A `map` for `count` segments. Segments are independent (each decoded from a reset front end),
    so with two or more CPUs in the thread budget they go to that many worker processes (pocketsphinx
    holds the GIL), giving the same results, in order, as one process."""
    workers = min(cpu_threads(), count)
    if workers < 2 or count < POOL_MIN_SEGMENTS:
        yield map
        return
    isolate_spawned_workers()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_setup)
    try:
        yield pool.map
    except BaseException:
        end_pool(pool)  # Ctrl-C, SIGTERM or an error: nothing left running
        raise
    pool.shutdown(wait=True)


def _worker_setup() -> None:
    """Workers leave Ctrl-C (sent to the whole terminal's process group) to the parent, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _label_segments(
    segments: list[tuple[int, bytes]], recognised: Callable[[int, bytes], None] | None = None
) -> Iterator[tuple[int, bytes, list[tuple[str, int, int]]]]:
    """(start, segment, phones) in order: recognition then alignment of each segment. In this process
    (one CPU, or too few segments for workers) `recognised(start, segment)` is told between the two."""
    with _segment_map(len(segments)) as run:
        if run is map:
            for start, seg in segments:
                words = _recognise(seg)
                if recognised is not None:
                    recognised(start, seg)
                yield start, seg, _align(seg, words)
            return
        for (start, seg), phones in zip(segments, run(_recognise_and_align, [s for _, s in segments]), strict=True):
            yield start, seg, phones


def _paint(timeline: np.ndarray, phones: list[tuple[str, int, int]], offset: int) -> None:
    for name, start, duration in phones:
        pid = PHONEME_IDS.get(name, PHONEME_IDS["NSN"] if name.startswith("+") else SIL)
        timeline[offset + start : offset + start + duration] = pid


def frames_from_timeline(timeline: np.ndarray, n_frames: int, delay_s: float = LABEL_DELAY_S) -> np.ndarray:
    """Sample a 100 fps phone timeline at 30 fps: frame i takes the phone at i/30 s - delay."""
    idx = np.round((np.arange(n_frames) / FPS - delay_s) * CENTI).astype(int)
    return timeline[np.clip(idx, 0, len(timeline) - 1)]


def transcript_words(text: str, source: str) -> list[str]:
    """The transcript's words, saying what was dropped: letters outside English (the dictionary is
    en-us) and, when nothing is left, that the audio is labelled without a transcript."""
    foreign = sorted({c for c in text.lower() if c.isalpha() and not ("a" <= c <= "z")})
    if foreign:
        log.warning("%s: transcript letters outside English ignored: %s", source, " ".join(foreign[:10]))
    words = normalise_transcript(text)
    if not words:
        log.warning("%s: the transcript has no words; labelling by recognition instead", source)
    return words


def _align_share(pcm: bytes, share: list[str], hyp: list[str], extra: dict[str, str]) -> tuple[list, bool]:
    """(phones, whether the transcript's share failed to align): a failed share is aligned with what
    was recognised instead."""
    phones = _align(pcm, share, extra)
    return phones or _align(pcm, hyp), bool(share and not phones)


def _label_long_with_transcript(timeline, pcm, words, extra, path, progress) -> None:
    """Audio over LONG_AUDIO_S with a transcript: a recognition pass shares the words out among the
    speech segments, then each segment is aligned with its share (bounded memory); both passes
    spread the segments over the worker processes."""
    total = len(pcm)
    segments = merge_segments(pcm, list(speech_segments(pcm)), MAX_SEGMENT)
    pieces = [seg for _, seg in segments]
    with _segment_map(len(pieces)) as run:
        hyps = []
        for (start, seg), hyp in zip(segments, run(_recognise, pieces), strict=True):  # the first half
            hyps.append(hyp)
            progress(min(start + len(seg) // 2, total) // 2, total)
        shares = split_transcript(words, hyps, [len(seg) for seg in pieces])
        aligned = run(_align_share, pieces, shares, hyps, [extra] * len(pieces))
        for (start, seg), (phones, failed) in zip(segments, aligned, strict=True):
            if failed:
                at = start / SAMPLE_RATE
                log.warning("%s: at %.1f s: alignment with the transcript failed; recognised", path, at)
            _paint(timeline, phones, start * CENTI // SAMPLE_RATE)
            progress((total + min(start + len(seg) // 2, total)) // 2, total)


DECODE_SHARE = 0.1  # of the progress bar: decoding, before labelling


def _stages(progress: Progress | None):
    """(decode, label) callbacks that move one bar: decoding fills its first tenth."""
    if progress is None:
        return None, lambda done, total: None

    def decode(done: int, total: int) -> None:
        progress(int(1000 * DECODE_SHARE * done / max(total, 1)), 1000)

    def label(done: int, total: int) -> None:
        progress(int(1000 * (DECODE_SHARE + (1 - DECODE_SHARE) * done / max(total, 1))), 1000)

    return decode, label


def phonemes_from_audio(
    path: str | os.PathLike,
    transcript: str | None = None,
    progress: Progress | None = None,
    long_audio_s: float = LONG_AUDIO_S,
) -> np.ndarray:
    """30 fps phindex labels, length floor(duration * 30). With a transcript: forced alignment
    (unknown words are skipped with a warning); audio longer than `long_audio_s` is aligned segment
    by segment (bounded memory), its words shared out by a recognition pass (`split_transcript`).
    Without: recognition per speech segment, then alignment of the hypothesis. Silence gives all SIL.
    `progress(done, total)` moves through decoding and labelling."""
    on_decode, on_label = _stages(progress)
    pcm = load_audio(path, on_decode)
    n_frames = int(len(pcm) * FPS // SAMPLE_RATE)
    if n_frames == 0:
        raise InputError(f"{path}: the audio is {len(pcm)} samples long, shorter than one 30 fps frame")
    timeline = np.full(len(pcm) * CENTI // SAMPLE_RATE + 1, SIL, dtype=np.int64)
    words = transcript_words(transcript, str(path)) if transcript is not None else []
    words, extra = _pronounce(words, str(path)) if words else ([], {})
    if words and len(pcm) <= long_audio_s * SAMPLE_RATE:
        phones = _align(pcm.tobytes(), words, extra)
        if not phones:
            log.warning("%s: alignment with the transcript failed; falling back to recognition", path)
            words = []
        _paint(timeline, phones, 0)
    elif words:
        _label_long_with_transcript(timeline, pcm, words, extra, path, on_label)
    if not words:
        # a segment recognised is half its work; labelled, all of it (len(seg) is bytes: 2 per sample)
        half = lambda start, seg: on_label(min(start + len(seg) // 4, len(pcm)), len(pcm))  # noqa: E731
        for start, seg, phones in _label_segments(list(speech_segments(pcm)), half):
            _paint(timeline, phones, start * CENTI // SAMPLE_RATE)
            on_label(min(start + len(seg) // 2, len(pcm)), len(pcm))
    on_label(len(pcm), len(pcm))
    return frames_from_timeline(timeline, n_frames)
