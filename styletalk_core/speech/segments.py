"""Long audio in pieces: VAD speech regions cut at pauses to a bounded length, neighbours merged,
and a transcript shared out among the pieces (for segment-by-segment forced alignment)."""

from __future__ import annotations

import bisect
import difflib
import io

import numpy as np

from ..extras import optional
from .audio import SAMPLE_RATE, audible_frames

MAX_SEGMENT = 60 * SAMPLE_RATE  # longest piece decoded at once, in samples (~0.3 GB in pocketsphinx)
END_PAD = int(1.5 * SAMPLE_RATE)  # silence after the audio: 3 of the VAD's 0.5 s windows (0.6 s did not always close)


def split_long_region(start: int, pcm: np.ndarray, max_len: int) -> list[tuple[int, np.ndarray]]:
    """Cut a speech region longer than `max_len` samples into pieces of max_len / 2 .. max_len,
    each cut at the quietest 10 ms in that range (a pause, if there is one)."""
    hop = SAMPLE_RATE // 100  # 10 ms
    pieces = []
    while len(pcm) > max_len:
        lo = max_len // 2
        frames = pcm[lo : lo + (max_len - lo) // hop * hop].reshape(-1, hop).astype(np.float32)
        cut = lo + int(np.argmin((frames**2).mean(1))) * hop + hop // 2
        pieces.append((start, pcm[:cut]))
        start, pcm = start + cut, pcm[cut:]
    return pieces + [(start, pcm)]


def speech_segments(pcm: np.ndarray):
    """Speech regions (start sample, pcm bytes) found by VAD and cut to at most MAX_SEGMENT samples, so
    long audio is decoded piece by piece at bounded memory; `pcm` as speech.audio.condition gives it."""
    Segmenter = optional("pocketsphinx.segmenter", "audio").Segmenter

    # 0.5 s windows keep short pauses inside a segment: more context for the language model
    # (+-1 frame agreement 0.783 -> 0.797 on the official samples against 0.3 s / 0.9)
    seg = Segmenter(sample_rate=SAMPLE_RATE, window=0.5, ratio=0.8)
    # the segmenter drops a region still open when the stream ends (a take cut tight, ending in speech):
    # trailing silence longer than its window closes it, and the region is cut back to the audio
    padded = np.concatenate([pcm, np.zeros(END_PAD, np.int16)])
    found = False
    for s in seg.segment(io.BytesIO(padded.tobytes())):
        found = True
        first = int(round(s.start_time * SAMPLE_RATE))
        region = np.frombuffer(s.pcm, dtype=np.int16)[: max(0, len(pcm) - first)]
        if not len(region):
            continue
        for start, piece in split_long_region(first, region, MAX_SEGMENT):
            yield start, piece.tobytes()
    if not found and audible_frames(pcm, above_db=20).any():
        # an utterance shorter than the VAD's window (a one-word line: "Hola."): the whole audio
        for start, piece in split_long_region(0, pcm, MAX_SEGMENT):
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
    shares: dict[int, float] = {}  # per run (keyed by the matched word before it)
    for k in range(len(words)):
        if owner[k] is not None:
            continue
        i = bisect.bisect_left(matched, k)
        before = matched[i - 1] if i > 0 else None
        after = matched[i] if i < len(matched) else None
        if before is None or after is None or owner[before] == owner[after] or position[before] is None:
            owner[k] = owner[before if before is not None else after]
            continue
        if before not in shares:
            # unmatched recognised words left in the earlier segment vs before the match in the later one
            gap = range(position[before] + 1, position[after])
            left = sum(1 for b in gap if hyp[b][1] == owner[before])
            shares[before] = (left + 0.5) / (len(gap) + 1.0)
        owner[k] = owner[before] if (k - before) / (after - before) <= shares[before] else owner[after]
    for word, o in zip(words, owner, strict=True):
        out[o].append(word)
    return out
