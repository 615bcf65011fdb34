"""The batch's worker processes (hostile input, classes 5 and 8): a worker killed mid-take fails only
the takes it held, with the reason, the others finish and a rerun completes them; no worker outlives
a batch killed with SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from styletalk_core.formats.errors import StyleTalkError

from ..conftest import REPO
from .conftest import HELLO


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _workers(pid: int) -> list[int]:
    """The batch's spawned worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in _children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            found.append(child)
    return found


def _maps(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/maps").read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _batch(folder: Path, manifest: Path, out: Path) -> subprocess.Popen:
    argv = [sys.executable, "-m", "styletalk_core.cli", "batch", str(manifest), "-o", str(out), "--threads", "2"]
    return subprocess.Popen([*argv, "--progress", "none"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_workers(proc: subprocess.Popen, count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _workers(proc.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    raise AssertionError("the batch started no worker processes")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_killed_mid_take_fails_only_its_takes_and_a_rerun_completes_them(takes):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs for two worker processes")
    folder, manifest = takes
    rows = [f"t{i},line{i % 4}.wav,,{'calm.mat' if i % 2 else 'preset:happy'},,curves" for i in range(8)]
    path, out = manifest(rows), folder / "out"
    proc = _batch(folder, path, out)
    victim = _wait_for_workers(proc, 1)[0]
    deadline = time.monotonic() + 120
    while b"libtorch" not in _maps(victim) and time.monotonic() < deadline:  # at work on its first unit
        time.sleep(0.02)
    os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 1, err
    summary = json.loads((out / "summary.json").read_text())
    failed = [f["id"] for f in summary["failed"]]
    assert failed and summary["done"], (err, summary)
    assert sorted(failed + summary["done"]) == [f"t{i}" for i in range(8)]
    assert all("killed by SIGKILL" in f["reason"] for f in summary["failed"]), summary["failed"]
    assert all(not (out / t).exists() for t in failed)
    again = _batch(folder, path, out)
    again.communicate(timeout=240)
    summary = json.loads((out / "summary.json").read_text())
    assert again.returncode == 0 and sorted(summary["done"]) == sorted(failed) and not summary["failed"]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_outlives_a_batch_killed_with_sigkill(takes):
    folder, manifest = takes
    with wave.open(str(HELLO)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    with wave.open(str(folder / "long.wav"), "wb") as w:  # a minute: its take keeps a worker busy
        w.setparams(params)
        w.writeframes(frames * 7)
    rows = [f"t{i},{'long' if i else 'line0'}.wav,,preset:happy,,curves" for i in range(3)]
    out = folder / "out"
    proc = _batch(folder, manifest(rows), out)
    workers = _wait_for_workers(proc, 1)
    deadline = time.monotonic() + 120
    while not list(out.glob("t*/take.json")) and time.monotonic() < deadline:  # the workers are at work
        time.sleep(0.05)
    workers = _workers(proc.pid)
    assert workers and proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), [w for w in workers if _alive(w)]
    assert REPO.is_dir()


def test_a_worker_that_dies_while_it_is_started_is_replaced_not_the_batchs_end(monkeypatch):
    """Killed before its set-up data was written, a worker's start breaks its pipe (BrokenPipeError):
    another is started; three in a row are one line."""
    from styletalk_core.batch.pool import START_TRIES, Workers

    starts = []

    class Process:
        def __init__(self, target, args, daemon):
            pass

        def start(self):
            starts.append(1)
            if len(starts) == 1:
                raise BrokenPipeError(32, "Broken pipe")

    workers = Workers(1)
    monkeypatch.setattr(workers.context, "Process", Process)
    workers._start()
    assert len(starts) == 2 and len(workers.idle) == 1
    starts.clear()
    monkeypatch.setattr(Process, "start", lambda self: starts.append(1) or (_ for _ in ()).throw(BrokenPipeError()))
    with pytest.raises(StyleTalkError, match="cannot start a worker process"):
        workers._start()
    assert len(starts) == START_TRIES
    workers.idle[0][0].close()
