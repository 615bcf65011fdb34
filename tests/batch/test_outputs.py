"""A take's files: its folder holds exactly its current outputs, and its record names the bytes it was made from."""

import os
import time

import numpy as np
import pytest

from styletalk_core.batch import run_batch
from styletalk_core.batch.run import _loaded_as_hashed
from styletalk_core.formats.errors import StyleTalkError
from styletalk_core.formats.fileio import file_hash


def test_a_take_folder_holds_exactly_its_current_outputs(takes):
    folder, manifest = takes
    out = folder / "out"
    assert run_batch(manifest(["a,line0.wav,,preset:happy,,curves;arkit-csv;arkit-json"]), out).done == ["a"]
    (out / "a" / "notes.txt").write_text("the user's own file")
    assert run_batch(manifest(["a,line1.wav,,preset:happy,,curves"]), out).done == ["a"]
    assert sorted(os.listdir(out / "a")) == ["curves.npz", "notes.txt", "take.json"]


def test_a_take_records_the_bytes_it_was_made_from(takes, monkeypatch):
    """A clip replaced while it is read is one line; the audio replaced after the check fails its take
    (its record would name the old audio's hash) and the next run makes it from the new audio."""
    folder, manifest = takes
    clip = folder / "calm.mat"
    before = file_hash(clip)

    def load_and_replace(name):
        os.replace(folder / "wild.mat", clip)
        return "loaded"

    with pytest.raises(StyleTalkError, match="changed while it was being read"):
        _loaded_as_hashed(str(clip), load_and_replace, {})
    hashes = {}
    assert _loaded_as_hashed(str(clip), lambda name: "loaded", hashes) == ("loaded", file_hash(clip))
    assert hashes == {str(clip): file_hash(clip)} and file_hash(clip) != before

    import styletalk_core.batch.work as work

    real = work._labels
    audio = folder / "line0.wav"

    def labels_after_a_swap(job):
        os.replace(folder / "line2.wav", audio)
        time.sleep(0.01)
        return real(job)

    monkeypatch.setattr(work, "_labels", labels_after_a_swap)
    out = folder / "out"
    path = manifest(["a,line0.wav,,preset:happy,,curves"])
    summary = run_batch(path, out)
    assert summary.done == [] and "changed since the batch checked it" in summary.failed[0]["reason"]
    monkeypatch.setattr(work, "_labels", real)
    assert run_batch(path, out).done == ["a"]
    with np.load(out / "a" / "curves.npz") as z:
        assert len(z["exp"]) > 0
