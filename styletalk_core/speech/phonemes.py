"""Audio -> 30 fps phoneme labels, the backend-neutral pipeline: decoding, the transcript's
pronunciations (English dictionary or any language's G2P), long audio in pieces, the 10 ms phone
timeline sampled at 30 fps, and progress; the pocketsphinx backend (speech.sphinx) aligns and
recognises."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import numpy as np

from ..formats.errors import InputError
from ..formats.labelling import LabelOptions
from ..formats.labels import PHONEME_IDS, SIL
from ..formats.layout import FPS
from ..formats.progress import Progress, stage
from .audio import SAMPLE_RATE, condition, load_audio
from .g2p import pronounce
from .segments import MAX_SEGMENT, merge_segments, speech_segments, split_transcript
from .sphinx import (
    PHONES,
    WORDS,
    Recognition,
    align,
    align_share,
    english_pronunciations,
    label_segments,
    normalise_transcript,
    recognise_words,
    recognised_phone_names,
    segment_map,
)

# Official labels sit about one frame later than pocketsphinx's phone boundaries; measured on the
# official samples (benchmarks/phoneme_agreement.py): frame i takes the phone at i/30 s - 20 ms.
LABEL_DELAY_S = 0.02
CENTI = 100  # pocketsphinx frames per second
# With a transcript, audio up to this long is aligned in one pass (memory grows faster than the
# length: ~0.3 GB for 72 s, ~2.5 GB for 288 s); longer audio is aligned speech segment by segment.
LONG_AUDIO_S = 120.0
log = logging.getLogger("styletalk.phonemes")


def _paint(timeline: np.ndarray, phones: list[tuple[str, int, int]], offset: int) -> None:
    for name, start, duration in phones:
        pid = PHONEME_IDS.get(name, PHONEME_IDS["NSN"] if name.startswith("+") else SIL)
        timeline[offset + start : offset + start + duration] = pid


def frames_from_timeline(timeline: np.ndarray, n_frames: int, delay_s: float = LABEL_DELAY_S) -> np.ndarray:
    """Sample a 100 fps phone timeline at 30 fps: frame i takes the phone at i/30 s - delay."""
    idx = np.round((np.arange(n_frames) / FPS - delay_s) * CENTI).astype(int)
    return timeline[np.clip(idx, 0, len(timeline) - 1)]


def transcript_words(text: str, source: str) -> list[str]:
    """An English transcript's words, saying what was dropped: letters outside English (the
    dictionary is en-US; another language is --language's)."""
    foreign = sorted({c for c in text.lower() if c.isalpha() and not ("a" <= c <= "z")})
    if foreign:
        log.warning(
            "%s: transcript letters outside English ignored: %s (another language: --language)",
            source,
            " ".join(foreign[:10]),
        )
    return normalise_transcript(text)


def pronunciations(options: LabelOptions, source: str) -> tuple[list[str], dict[str, str]]:
    """The words to align and the pronunciations to add for them: English words from the
    dictionary (compounds for the ones it lacks); any other language read by speech.g2p, each word
    under a name of its own. No words: labelled by recognition instead, with a warning."""
    if options.transcript is None:
        return [], {}
    if options.language.english:
        words, extra = english_pronunciations(transcript_words(options.transcript, source), source)
    else:
        said = pronounce(options.transcript, options.language, source)
        extra = {f"stw{i}": " ".join(phones) for i, phones in enumerate(said.phones)}
        words = list(extra)
    if not words:
        log.warning("%s: the transcript has no words to align; labelling by recognition instead", source)
    return words, extra


def _share(words, extra, hyps, pieces, english: bool) -> list[list[str]]:
    """The transcript's words shared out among the segments. English: matched word by word against
    what each segment's recognition pass heard (`split_transcript`). Any other language: in order, in
    proportion to the phones each segment was heard to hold (the transcript's phones against the
    heard ones; matching phones one by one pairs repeats across the whole recording), a word going
    where its first phone falls."""
    if english:
        return split_transcript(words, hyps, [len(seg) for seg in pieces])
    phones = np.cumsum([len(extra[w].split()) for w in words])
    edges = np.cumsum([len(h) for h in hyps]) / max(sum(len(h) for h in hyps), 1)
    starts = (phones - phones[0]) / max(phones[-1], 1)
    out: list[list[str]] = [[] for _ in pieces]
    for w, at in zip(words, starts, strict=True):
        out[min(int(np.searchsorted(edges, at, side="right")), len(pieces) - 1)].append(w)
    return out


def _recognition(english: bool) -> tuple[Recognition, Callable[[bytes], list[str]]]:
    """Without a transcript, how a language is heard: English word by word (then aligned), any other
    phone by phone; and what a long recording's recognition pass matches the transcript against."""
    return (WORDS, recognise_words) if english else (PHONES, recognised_phone_names)


def _label_long_with_transcript(timeline, pcm, said: tuple, options, path, progress) -> None:
    """Audio over LONG_AUDIO_S with a transcript (`said`: pronunciations' words and extra entries): a
    recognition pass shares the words out among the speech segments, then each segment is aligned
    with its share (bounded memory); both passes spread the segments over the worker processes."""
    words, extra = said
    total, english = len(pcm), options.language.english
    segments = merge_segments(pcm, list(speech_segments(pcm)), MAX_SEGMENT)
    pieces = [seg for _, seg in segments]
    fallback, heard = _recognition(english)
    with segment_map(len(pieces)) as run:
        hyps = []
        for (start, seg), hyp in zip(segments, run(heard, pieces), strict=True):
            hyps.append(hyp)
            progress(min(start + len(seg) // 2, total) // 2, total)
        shares = _share(words, extra, hyps, pieces, english)
        n = len(pieces)
        aligned = run(align_share, pieces, shares, [extra] * n, [fallback] * n, [not english] * n)
        for (start, seg), (phones, failed) in zip(segments, aligned, strict=True):
            if failed:
                at = start / SAMPLE_RATE
                log.warning("%s: at %.1f s: alignment with the transcript failed; recognised", path, at)
            _paint(timeline, phones, start * CENTI // SAMPLE_RATE)
            progress((total + min(start + len(seg) // 2, total)) // 2, total)


DECODE_SHARE = 0.1  # of the progress bar: decoding, before labelling


def _stages(progress: Progress | None):
    """(decode, label) callbacks that move one bar: decoding fills its first tenth."""
    return stage(progress, 0.0, DECODE_SHARE), stage(progress, DECODE_SHARE, 1 - DECODE_SHARE)


def phonemes_from_audio(
    path: str | os.PathLike,
    options: LabelOptions | None = None,
    progress: Progress | None = None,
    long_audio_s: float = LONG_AUDIO_S,
) -> np.ndarray:
    """30 fps phindex labels, length floor(duration * 30), for speech in `options.language` (default
    English). With a transcript: forced alignment of its pronunciations (`pronunciations`); audio
    longer than `long_audio_s` is aligned segment by segment (bounded memory), its words shared out by
    a recognition pass. Without: English is recognised word by word and aligned; any other language
    phone by phone (no words to recognise). Silence gives all SIL. `progress(done, total)` moves
    through decoding and labelling."""
    options = options or LabelOptions()
    on_decode, on_label = _stages(progress)
    pcm = condition(load_audio(path, on_decode))
    n_frames = int(len(pcm) * FPS // SAMPLE_RATE)
    if n_frames == 0:
        raise InputError(f"{path}: the audio is {len(pcm)} samples long, shorter than one 30 fps frame")
    timeline = np.full(len(pcm) * CENTI // SAMPLE_RATE + 1, SIL, dtype=np.int64)
    words, extra = pronunciations(options, str(path))
    if words and len(pcm) <= long_audio_s * SAMPLE_RATE:
        phones = align(pcm.tobytes(), words, extra, rejoin=not options.language.english)
        if not phones:
            log.warning("%s: alignment with the transcript failed; falling back to recognition", path)
            words = []
        _paint(timeline, phones, 0)
    elif words:
        _label_long_with_transcript(timeline, pcm, (words, extra), options, path, on_label)
    if not words:
        recognition, _ = _recognition(options.language.english)
        # a segment heard is half its work; labelled, all of it (len(seg) is bytes: 2 per sample)
        half = lambda start, seg: on_label(min(start + len(seg) // 4, len(pcm)), len(pcm))  # noqa: E731
        for start, seg, phones in label_segments(list(speech_segments(pcm)), recognition, half):
            _paint(timeline, phones, start * CENTI // SAMPLE_RATE)
            on_label(min(start + len(seg) // 2, len(pcm)), len(pcm))
    on_label(len(pcm), len(pcm))
    return frames_from_timeline(timeline, n_frames)
