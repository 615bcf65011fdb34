"""A batch's records tell the truth (hostile input, class 3): one batch writes a folder at a time;
a take's folder holds exactly its current outputs; a killed run's temporary files are removed by the
next; 'summary.json' is no take's name; a take's record names the bytes it was made from."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from styletalk_core.batch import run_batch
from styletalk_core.batch.folder import LOCK, locked, remove_leftovers
from styletalk_core.batch.run import _loaded_as_hashed
from styletalk_core.cli import main
from styletalk_core.formats.errors import StyleTalkError
from styletalk_core.formats.fileio import file_hash

from ..conftest import REPO
from .test_batch import takes  # noqa: F401  (the fixture)


def test_a_second_batch_on_a_folder_is_refused_in_one_line_and_the_lock_dies_with_its_holder(takes, capsys):  # noqa: F811
    folder, manifest = takes
    out = folder / "out"
    path = manifest(["a,line0.wav,,preset:happy,,curves"])
    out.mkdir()
    with locked(out):
        assert main(["batch", str(path), "-o", str(out), "--progress", "none"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("another batch is writing this folder; wait for it to end or use another folder")
    assert len(err.splitlines()) == 1 and not (out / "a").exists()
    # a holder killed with SIGKILL leaves its lock file behind, and no lock: the next batch runs
    code = (
        f"from pathlib import Path\nfrom styletalk_core.batch.folder import locked\nwith locked(Path({str(out)!r})):\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code + "    print('held', flush=True); import time; time.sleep(60)"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(StyleTalkError, match="another batch"):
        run_batch(path, out)
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    assert (out / LOCK).exists()
    assert run_batch(path, out).done == ["a"] and not (out / LOCK).exists()


def test_a_take_folder_holds_exactly_its_current_outputs(takes):  # noqa: F811
    folder, manifest = takes
    out = folder / "out"
    assert run_batch(manifest(["a,line0.wav,,preset:happy,,curves;arkit-csv;arkit-json"]), out).done == ["a"]
    (out / "a" / "notes.txt").write_text("the user's own file")
    assert run_batch(manifest(["a,line1.wav,,preset:happy,,curves"]), out).done == ["a"]
    assert sorted(os.listdir(out / "a")) == ["curves.npz", "notes.txt", "take.json"]


def test_a_killed_runs_temporary_files_are_removed_and_summary_json_is_no_take(takes, capsys):  # noqa: F811
    folder, manifest = takes
    out = folder / "out"
    (out / "a").mkdir(parents=True)
    leftovers = [out / "a" / ".curves.npz.k3j_x9q2.tmp.npz", out / ".summary.json.abcdefgh.tmp.json"]
    keep = [out / "a" / ".hidden", out / "a" / "curves.tmp", out / ".curves.npz.short.tmp"]
    for p in leftovers + keep:
        p.write_text("x")
    assert sorted(remove_leftovers(out, ["a", "missing"])) == sorted(leftovers)
    assert all(p.exists() for p in keep)
    for p in leftovers:
        p.write_text("x")
    rows = ["a,line0.wav,,preset:happy,,curves", "summary.json,line1.wav,,preset:happy,,curves"]
    summary = run_batch(manifest(rows), out)
    assert summary.done == ["a"] and not any(p.exists() for p in leftovers)
    assert "is the batch's own file" in summary.failed[0]["reason"]
    assert (out / "summary.json").is_file()


def test_a_take_records_the_bytes_it_was_made_from(takes, monkeypatch):  # noqa: F811
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


def test_a_take_that_fails_at_work_time_is_on_stderr_named_by_its_folder(takes, monkeypatch, capsys):  # noqa: F811
    """A full disk while a take is written: exit 1, the take's line on stderr as it fails, the reason
    naming the take's folder (not a temporary file); the other takes are done."""
    import errno

    from styletalk_core.formats.curves import Curves

    folder, manifest = takes
    real = Curves.save

    def full_disk(self, path, *a, **k):
        if "/b/" in str(path):  # as numpy's write would fail: no file name in the error
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, path, *a, **k)

    monkeypatch.setattr(Curves, "save", full_disk)
    rows = ["a,line0.wav,,preset:happy,,curves", "b,line1.wav,,preset:happy,,curves"]
    out = folder / "out"
    assert main(["batch", str(manifest(rows)), "-o", str(out), "--progress", "none", "--threads", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(f"takes.csv:3: b: {out / 'b'}: cannot write: No space left on device")
    assert (out / "a" / "curves.npz").is_file() and not (out / "b").exists()


def test_an_error_no_check_foresaw_is_one_line_with_the_details_in_a_log(monkeypatch, capsys):
    import styletalk_core.cli.export as export

    def broken(args):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(export, "run", broken)
    monkeypatch.setattr(sys, "argv", ["styletalk"])
    from styletalk_core.cli import build_parser

    assert build_parser().parse_args(["export", "--curves", "x", "--format", "csv", "-o", "y"]).func is broken
    code = main(["export", "--curves", "x.npz", "--format", "csv", "-o", "y.csv"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, err
    assert err.startswith("styletalk export: error: unexpected RuntimeError: a bug\\nover two lines (details: ")
    log = err.rsplit("(details: ", 1)[1].rstrip(")")
    assert "Traceback (most recent call last)" in open(log).read()
    os.unlink(log)
