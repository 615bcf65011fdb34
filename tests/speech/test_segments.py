"""Long audio in segments: regions cut at pauses, short ones merged, a transcript shared across them."""

import numpy as np

from styletalk_core.speech.audio import SAMPLE_RATE
from styletalk_core.speech.segments import merge_segments, split_long_region, split_transcript


def test_transcript_shared_across_segments():
    # matched words stay with their segment; an unmatched run is shared by the recognised words on each side
    assert split_transcript("a b c d e f".split(), [["a", "b"], ["x", "d", "e"], ["f"]], [1, 1, 1]) == [
        ["a", "b"],
        ["c", "d", "e"],
        ["f"],
    ]
    assert split_transcript("a b c d e f".split(), [["a", "b", "x"], ["d", "e"], ["f"]], [1, 1, 1]) == [
        ["a", "b", "c"],
        ["d", "e"],
        ["f"],
    ]
    assert split_transcript("q a b".split(), [[], ["a", "b"]], [1, 1]) == [[], ["q", "a", "b"]]
    # nothing recognised matches: spread by duration
    assert split_transcript("q r s t".split(), [["x"], ["y"]], [3, 1]) == [["q", "r", "s"], ["t"]]


def test_long_regions_cut_at_pauses_and_short_segments_merged():
    rng = np.random.default_rng(0)
    loud = (rng.normal(size=SAMPLE_RATE * 10) * 3000).astype(np.int16)
    loud[SAMPLE_RATE * 7 : SAMPLE_RATE * 7 + 800] = 0  # a pause at 7 s
    pieces = split_long_region(100, loud, SAMPLE_RATE * 8)
    assert len(pieces) == 2 and pieces[0][0] == 100
    assert SAMPLE_RATE * 7 < pieces[1][0] - 100 < SAMPLE_RATE * 7 + 800  # cut inside the pause
    assert sum(len(p[1]) for p in pieces) == len(loud)
    pcm = np.arange(1000, dtype=np.int16)
    segs = [(0, pcm[0:100].tobytes()), (150, pcm[150:300].tobytes()), (800, pcm[800:900].tobytes())]
    merged = merge_segments(pcm, segs, 400)
    assert [(s, len(b) // 2) for s, b in merged] == [(0, 300), (800, 100)]  # the gap 100..150 is kept
