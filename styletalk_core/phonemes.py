"""Audio -> 30 fps phoneme labels with pocketsphinx (forced alignment, or recognition then alignment)."""

from __future__ import annotations

import difflib
import io
import logging
import os
import re
from collections.abc import Callable

import numpy as np

from .errors import InputError
from .fileio import require_file
from .labels import FPS, PHONEME_IDS, SIL

SAMPLE_RATE = 16000
# Official labels sit about one frame later than pocketsphinx's phone boundaries; measured on the
# official samples (benchmarks/phoneme_agreement.py): frame i takes the phone at i/30 s - 20 ms.
LABEL_DELAY_S = 0.02
CENTI = 100  # pocketsphinx frames per second
# With a transcript, audio up to this long is aligned in one pass (memory grows faster than the
# length: ~0.3 GB for 72 s, ~2.5 GB for 288 s); longer audio is aligned speech segment by segment.
LONG_AUDIO_S = 120.0
MAX_SEGMENT = 60 * SAMPLE_RATE  # longest piece decoded at once, in samples (~0.3 GB)
log = logging.getLogger("styletalk.phonemes")


def load_audio(path: str | os.PathLike) -> np.ndarray:
    """Any common audio file (wav/flac/mp3/ogg/m4a, any rate, any channels) -> 16 kHz mono int16."""
    import av

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
    from pocketsphinx import Decoder

    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **kwargs)


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
        for _ in range(2):  # first pass: word alignment; second: phones and states
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            if _ == 0:
                dec.set_alignment()
    except RuntimeError:
        return []
    alignment = dec.get_alignment()
    return [(ph.name, ph.start, ph.duration) for word in alignment for ph in word] if alignment else []


def _paint(timeline: np.ndarray, phones: list[tuple[str, int, int]], offset: int) -> None:
    for name, start, duration in phones:
        pid = PHONEME_IDS.get(name, PHONEME_IDS["NSN"] if name.startswith("+") else SIL)
        timeline[offset + start : offset + start + duration] = pid


def split_long_region(start: int, pcm: np.ndarray, max_len: int) -> list[tuple[int, np.ndarray]]:
    """Cut a speech region longer than `max_len` samples into pieces of max_len / 2 .. max_len,
    each cut at the quietest 10 ms in that range (a pause, if there is one)."""
    hop = SAMPLE_RATE // CENTI
    pieces = []
    while len(pcm) > max_len:
        lo = max_len // 2
        frames = pcm[lo : lo + (max_len - lo) // hop * hop].reshape(-1, hop).astype(np.float32)
        cut = lo + int(np.argmin((frames**2).mean(1))) * hop + hop // 2
        pieces.append((start, pcm[:cut]))
        start, pcm = start + cut, pcm[cut:]
    return pieces + [(start, pcm)]


def _speech_segments(pcm: np.ndarray):
    """Speech regions (start sample, pcm bytes) found by VAD and cut to at most MAX_SEGMENT_S, so
    long audio is decoded piece by piece at bounded memory."""
    from pocketsphinx.segmenter import Segmenter

    # 0.5 s windows keep short pauses inside a segment: more context for the language model
    # (+-1 frame agreement 0.783 -> 0.797 on the official samples against 0.3 s / 0.9)
    seg = Segmenter(sample_rate=SAMPLE_RATE, window=0.5, ratio=0.8)
    for s in seg.segment(io.BytesIO(pcm.tobytes())):
        region = np.frombuffer(s.pcm, dtype=np.int16)
        for start, piece in split_long_region(int(round(s.start_time * SAMPLE_RATE)), region, MAX_SEGMENT):
            yield start, piece.tobytes()


def merge_segments(pcm: np.ndarray, segments: list[tuple[int, bytes]], max_len: int) -> list[tuple[int, bytes]]:
    """Neighbouring speech segments joined (with the audio between them) while the span stays
    within `max_len` samples: fewer boundaries to share a transcript across."""
    spans: list[list[int]] = []
    for start, seg in segments:
        end = start + len(seg) // 2
        if spans and end - spans[-1][0] <= max_len:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(a, pcm[a:b].tobytes()) for a, b in spans]


def frames_from_timeline(timeline: np.ndarray, n_frames: int, delay_s: float = LABEL_DELAY_S) -> np.ndarray:
    """Sample a 100 fps phone timeline at 30 fps: frame i takes the phone at i/30 s - delay."""
    idx = np.round((np.arange(n_frames) / FPS - delay_s) * CENTI).astype(int)
    return timeline[np.clip(idx, 0, len(timeline) - 1)]


def split_transcript(words: list[str], segment_words: list[list[str]], weights: list[float]) -> list[list[str]]:
    """Give each transcript word to a speech segment: words matched (difflib) to a segment's
    recognised words go to that segment; a run of unmatched words between two matched ones is
    shared between their segments in proportion to the unmatched recognised words on each side
    (leading and trailing runs go to the first and last matched segment). With no match at all,
    words are spread by segment `weights` (e.g. durations)."""
    hyp = [(w, i) for i, seg in enumerate(segment_words) for w in seg]
    matcher = difflib.SequenceMatcher(a=words, b=[w for w, _ in hyp], autojunk=False)
    owner: list[int | None] = [None] * len(words)
    position: list[int | None] = [None] * len(words)  # index into hyp of the matched word
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            owner[a + k], position[a + k] = hyp[b + k][1], b + k
    if words and all(o is None for o in owner):
        edges = np.cumsum(weights) / max(sum(weights), 1e-9)
        owner = [min(int(np.searchsorted(edges, (k + 0.5) / len(words))), len(weights) - 1) for k in range(len(words))]
    matched = [k for k, o in enumerate(owner) if o is not None]
    out: list[list[str]] = [[] for _ in segment_words]
    if not matched:
        return out
    for k in range(len(words)):
        if owner[k] is not None:
            continue
        before = max((m for m in matched if m < k), default=None)
        after = min((m for m in matched if m > k), default=None)
        if before is None or after is None or owner[before] == owner[after] or position[before] is None:
            owner[k] = owner[before if before is not None else after]
            continue
        # unmatched recognised words left in the earlier segment vs before the match in the later one
        left = sum(1 for b in range(position[before] + 1, position[after]) if hyp[b][1] == owner[before])
        right = position[after] - position[before] - 1 - left
        share = (left + 0.5) / (left + right + 1.0)
        owner[k] = owner[before] if (k - before) / (after - before) <= share else owner[after]
    for word, o in zip(words, owner, strict=True):
        out[o].append(word)
    return out


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
        segments = merge_segments(pcm, list(_speech_segments(pcm)), MAX_SEGMENT)
        hyps = [_recognise(seg) for _, seg in segments]
        shares = split_transcript(words, hyps, [len(seg) for _, seg in segments])
        for (start, seg), hyp, share in zip(segments, hyps, shares, strict=True):
            phones = _align(seg, share, extra)
            if share and not phones:
                log.warning(
                    "%s: at %.1f s: alignment with the transcript failed; recognised", path, start / SAMPLE_RATE
                )
            _paint(timeline, phones or _align(seg, hyp), start * CENTI // SAMPLE_RATE)
            if progress is not None:
                progress(min(start + len(seg) // 2, total), total)
    if transcript is None:
        for start, seg in _speech_segments(pcm):
            offset = start * CENTI // SAMPLE_RATE
            _paint(timeline, _align(seg, _recognise(seg)), offset)
            if progress is not None:
                progress(min(start + len(seg) // 2, total), total)
    if progress is not None:
        progress(len(pcm), len(pcm))
    return frames_from_timeline(timeline, n_frames)
