"""Which pauses an alignment put between words are not pauses in the sound: the audio there is about as
loud as the words around it. The English acoustic model takes some sounds of other languages for
silence (on synthetic Mandarin, 800 ms of speech at the level of its neighbours was aligned as one
pause, and the words before it were squeezed to make room)."""

from __future__ import annotations

import numpy as np

SAMPLES_PER_10MS = 160  # at the labeller's 16 kHz
# a pause within this many dB of the words' median level is speech (the misaligned Mandarin ones sat
# 1-7 dB below it; the pauses aligned in the real English samples 3-42 dB below, the loud ones over
# background noise, which is why English is not rejoined: sphinx.align)
LOUD_PAUSE_DB = 12.0


def _level_db(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -np.inf
    return float(10 * np.log10(np.mean(np.square(samples, dtype=np.float64)) + 1.0))


def is_pause(name: str) -> bool:
    """An alignment word that is no word: a pause or a filler (<sil>, <s>, [NOISE], ++BREATH++)."""
    return name[:1] in "<[+"


def loud_pauses(samples: np.ndarray, words: list[tuple[str, tuple[int, int]]]) -> list[int]:
    """For each pause between two words in `words` (name, (start, end) in 10 ms frames) whose sound is
    within LOUD_PAUSE_DB of the words' median level: how many words come before it."""
    levels = [_level_db(samples[a * SAMPLES_PER_10MS : b * SAMPLES_PER_10MS]) for _, (a, b) in words]
    spoken = [lv for (name, _), lv in zip(words, levels, strict=True) if not is_pause(name)]
    if not spoken:
        return []
    floor = float(np.median(spoken)) - LOUD_PAUSE_DB
    out, before = [], 0
    total = len(spoken)
    for (name, _), level in zip(words, levels, strict=True):
        if not is_pause(name):
            before += 1
        elif 0 < before < total and level >= floor and (not out or out[-1] != before):
            out.append(before)
    return out
