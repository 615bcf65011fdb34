"""The fuzz script's runs that are more than one command: a batch stopped by SIGTERM at several moments
(on worker processes and, where Ray is installed, on a Ray cluster), and two batches started on one
output folder. Each is judged on the promises a stop and a second run must keep: the stop is the one
line `styletalk batch: interrupted` with exit 130 (or the batch had finished: exit 0, or had not
started: killed by the signal with nothing written); no process of the batch is left, no temporary
file, every take's folder whole or absent; the second batch is refused in one line while the first
finishes its takes."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAKES = 8
INTERRUPTED = "styletalk batch: interrupted"


def _manifest(folder: Path, wav: Path, style: Path) -> Path:
    shutil.copy(wav, folder / "line.wav")
    shutil.copy(style, folder / "style.mat")
    rows = [f"t{i},line.wav,style.mat,curves;arkit-csv" for i in range(TAKES)]
    path = folder / "takes.csv"
    path.write_text("id,audio,style,outputs\n" + "\n".join(rows) + "\n")
    return path


def _start(manifest: Path, out: Path, engine: str) -> subprocess.Popen:
    argv = ["batch", str(manifest), "-o", str(out), "--engine", engine, "--threads", "2", "--progress", "none"]
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "styletalk_core.cli", *argv],
        cwd=manifest.parent,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _left_in_session(sid: int) -> list[str]:
    """Live processes of the session after up to 3 s (a cluster's own processes end a moment later)."""
    for _ in range(30):
        ps = subprocess.run(["ps", "-eo", "sid=,stat=,args="], capture_output=True, text=True).stdout
        rows = [line.split(maxsplit=2) for line in ps.splitlines()]
        alive = [row[-1] for row in rows if row[0] == str(sid) and not row[1].startswith("Z")]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def _folder_problem(out: Path) -> str | None:
    temps = [p.name for p in out.rglob(".*") if p.name != ".styletalk-batch.lock"] if out.exists() else []
    if temps:
        return f"temporary files left: {temps[:3]}"
    for take in [p for p in out.iterdir() if p.is_dir()] if out.exists() else []:
        if sorted(os.listdir(take)) != ["arkit.csv", "curves.npz", "take.json"]:
            return f"take {take.name} half written: {sorted(os.listdir(take))}"
    return None


def stopped(engine: str, delay_s: float) -> Callable[[Path, Path, Path], str | None]:
    def scenario(work: Path, wav: Path, style: Path) -> str | None:
        proc = _start(_manifest(work, wav, style), work / "out", engine)
        time.sleep(delay_s)
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            return f"still running 60 s after SIGTERM (sent at {delay_s} s)"
        lines = [x for x in err.splitlines() if x.strip()]
        if proc.returncode == -signal.SIGTERM and not lines and not (work / "out").exists():
            return None  # stopped before the command had started: Python's default action, nothing written
        if proc.returncode == 130 and lines != [INTERRUPTED]:
            return f"stopped with stderr {len(lines)} lines: {' | '.join(lines)[:200]}"
        if proc.returncode not in (0, 130):
            return f"exit {proc.returncode} on SIGTERM at {delay_s} s: {' | '.join(lines)[:200]}"
        left = _left_in_session(proc.pid)
        if left:
            return f"{len(left)} processes left: {left[0][:100]}"
        return _folder_problem(work / "out")

    scenario.__name__ = f"batch --engine {engine}, SIGTERM after {delay_s:g} s"
    return scenario


def two_on_one_folder(work: Path, wav: Path, style: Path) -> str | None:
    manifest, out = _manifest(work, wav, style), work / "out"
    first = _start(manifest, out, "local")
    for _ in range(200):
        if (out / ".styletalk-batch.lock").exists():
            break
        time.sleep(0.05)
    second = _start(manifest, out, "local")
    _, err2 = second.communicate(timeout=60)
    _, err1 = first.communicate(timeout=300)
    lines = [x for x in err2.splitlines() if x.strip()]
    if first.returncode != 0:
        return f"the first batch ended with exit {first.returncode}: {err1.strip()[:200]}"
    if second.returncode != 2 or len(lines) != 1 or "another batch is writing" not in lines[0]:
        return f"the second batch on the folder: exit {second.returncode}, stderr {' | '.join(lines)[:200]}"
    if len([p for p in out.iterdir() if p.is_dir()]) != TAKES:
        return "the first batch did not finish every take"
    return _folder_problem(out)


def scenarios() -> list[Callable[[Path, Path, Path], str | None]]:
    out = [stopped("local", s) for s in (0.3, 0.6, 1.0, 1.3, 4.0, 8.0)] + [two_on_one_folder]
    if importlib.util.find_spec("ray") is not None:
        out += [stopped("ray", s) for s in (2.0, 6.0, 12.0)]
    return out
