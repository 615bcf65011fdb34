"""The lip-sync measures on series whose answers are known."""

import numpy as np

from styletalk_core.formats.labels import PHONEME_IDS, SIL
from styletalk_core.training.lipsync import best_lag_r, bilabial_closure, viseme_openings


def test_best_lag_finds_a_shift_within_two_frames():
    t = np.arange(200)
    true = np.sin(t / 5) + 0.1 * np.cos(t / 2)
    r, lag = best_lag_r(np.roll(true, 2), true)
    assert lag == 2 and r > 0.99
    assert best_lag_r(np.zeros(50), true[:50])[0] == 0.0  # a still mouth follows nothing
    assert best_lag_r(-true, true)[0] < 0


def test_bilabial_closure_counts_runs_where_the_lips_meet():
    labels = np.full(60, PHONEME_IDS["AA"])
    labels[10:13] = PHONEME_IDS["M"]
    labels[30:33] = PHONEME_IDS["P"]
    open_ = np.full(60, 5.0)
    open_[11] = 0.0  # closes on the M, stays open on the P
    open_[44:] = 0.5  # the clip's 25th percentile is 0.5
    assert bilabial_closure(open_, labels) == 0.5
    open_[34] = 0.2  # within two frames after the P run
    assert bilabial_closure(open_, labels) == 1.0
    assert bilabial_closure(open_, np.full(60, SIL)) is None
    assert bilabial_closure(np.full(60, 3.0), labels) is None  # a mouth held still closes on nothing


def test_viseme_openings_average_each_class_present():
    labels = np.array([PHONEME_IDS[p] for p in ("AA", "AA", "M", "B", "SIL")])
    got = viseme_openings(np.array([4.0, 6.0, 0.0, 1.0, 9.0]), labels)
    assert got == {"AA/AE/AY": 5.0, "B/M/P": 0.5}
