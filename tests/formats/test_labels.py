"""Phoneme labels: ids checked before any conversion, the official file read and written, runs, the
network's windows padded with silence, and shifts that hold the ends."""

import json

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labels import (
    NUM_PHONEMES,
    PHONEME_IDS,
    SIL,
    load_phoneme_labels,
    phoneme_windows,
    run_starts,
    save_phoneme_labels,
    shift_labels,
    validate_phoneme_ids,
)


def test_the_41_official_phones_with_silence_among_them():
    assert NUM_PHONEMES == 41 and PHONEME_IDS["SIL"] == SIL and {"P", "B", "M", "AA", "UW"} <= PHONEME_IDS.keys()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("31 2", "must be a flat list of ints, got str"),
        ([], "is empty"),
        ([1, True], "label 1 is True"),
        ([1, 2.0], "label 1 is 2.0"),
        ([0, 10**30], "phoneme id 10000000000000000000... at frame 1 is out of range"),
        ([-1], "out of range 0..40"),
    ],
)
def test_ids_that_are_not_phones_are_one_line_naming_the_source(ids, message):
    with pytest.raises(InputError, match="^take.json: ") as err:
        validate_phoneme_ids(ids, "take.json")
    assert message in str(err.value)


def test_labels_round_trip_through_the_official_file(tmp_path):
    path = tmp_path / "a_seq.json"
    save_phoneme_labels(path, np.array([31, 2, 2, 40]))
    assert json.loads(path.read_text()) == [31, 2, 2, 40]
    assert load_phoneme_labels(path).dtype == np.int64
    path.write_text("[" * 100_000)
    with pytest.raises(InputError, match="a_seq.json: not a"):
        load_phoneme_labels(path)


def test_runs_windows_and_shifts():
    ids = np.array([5, 5, 7, 7, 7, 9])
    assert run_starts(ids).tolist() == [0, 2, 5]
    windows = phoneme_windows(ids, win_size=2)
    assert windows.shape == (6, 5) and windows[0].tolist() == [SIL, SIL, 5, 5, 7] and windows[-1, -1] == SIL
    assert shift_labels(ids, 2).tolist() == [5, 5, 5, 5, 7, 7]
    assert shift_labels(ids, -2).tolist() == [7, 7, 7, 9, 9, 9]
    assert shift_labels(ids, 0) is ids
