"""A batch's output folder: one batch writes it at a time (the lock dies with its holder), and a killed run's
temporary files are removed by the next."""

import signal
import subprocess
import sys

import pytest

from styletalk_core.batch import run_batch
from styletalk_core.batch.folder import LOCK, locked, remove_leftovers
from styletalk_core.cli import main
from styletalk_core.formats.errors import StyleTalkError

from ..conftest import REPO


def test_a_second_batch_on_a_folder_is_refused_in_one_line_and_the_lock_dies_with_its_holder(takes, capsys):
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


def test_a_killed_runs_temporary_files_are_removed_and_summary_json_is_no_take(takes, capsys):
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
