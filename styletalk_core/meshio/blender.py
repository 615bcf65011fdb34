"""Running Blender's importers and exporters (meshio.blender_side) in a child process: its progress
relayed (a line at least every 2 s, also inside one long import), a file it cannot use said in one
line naming the file, a crash reported as such, and a stop (Ctrl-C, SIGTERM) ending it at once."""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ..children import PARENT_VARIABLE, child_environment, python_module
from ..formats.errors import InputError, MissingDependencyError, OutputError
from ..formats.progress import Progress
from ..native import raise_if_stopped

TICK_S = 2.0
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _require_blender() -> None:
    if importlib.util.find_spec("bpy") is None:
        raise MissingDependencyError(
            "bpy (Blender as a module) is not installed; reading and writing characters needs it: "
            "pip install 'styletalk-toolkit[blender]'"
        )


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


MARKERS = ("@@STAGE ", "@@ERROR ")
ERROR_LINE = re.compile(r"[A-Za-z_][\w.]*(Error|Exception)\b.*|Error: .*")


def _last_words(tail: list[str]) -> str:
    """What Blender said last that reads as an error (not a traceback's frames), else its last line."""
    errors = [x for x in tail if ERROR_LINE.fullmatch(x) and not x.startswith("Traceback")]
    return (errors or tail[-1:] or ["it said nothing"])[-1][:300]


def _marked(line: str) -> tuple[str, str, str]:
    """(what comes before a marker, the marker, what follows it); ("", "", "") for an empty line."""
    for marker in MARKERS:
        at = line.find(marker)
        if at >= 0:
            return line[:at].strip(), marker, line[at + len(marker) :].strip()
    return line.strip(), "", ""


def _follow(proc: subprocess.Popen, stages: tuple[str, ...], progress: Progress | None) -> tuple[int, str | None, list]:
    """Relay the child's @@STAGE lines as progress until it ends: (exit code, its @@ERROR message,
    the last lines it printed)."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    total, done, message, tail = 100 * len(stages), 0, None, []
    step = progress or (lambda d, t: None)
    last = time.monotonic()
    while True:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            line = ""
        raise_if_stopped()
        if line is None:
            break
        # Blender prints its own reports without a newline at times: a marker can follow them on a line
        before, marker, rest = _marked(line)
        if before:
            tail = (tail + [before])[-20:]
        if marker == "@@STAGE ":
            done = 100 * stages.index(rest) if rest in stages else total
            step(done, total)
            last = time.monotonic()
        elif marker == "@@ERROR ":
            message = rest
        if time.monotonic() - last >= TICK_S and done % 100 < 99:
            done += 1  # still in the same stage: a line for the front end, creeping, never reaching it
            step(done, total)
            last = time.monotonic()
    return proc.wait(), message, tail


def run_blender(
    args: list[str],
    source: str,
    stages: tuple[str, ...],
    progress: Progress | None,
    error: type[Exception] = InputError,
) -> None:
    """`python -m meshio.blender_side ARGS`; progress(done, total) over `stages` (the @@STAGE names it
    prints, in order), ticking within a stage while it runs; its @@ERROR line raised as `error`."""
    _require_blender()
    # Blender makes a blender_* folder in the temporary directory and, ended with os._exit (bpy 4.2
    # can crash in its own exit), never removes it: it gets a folder of its own, removed here
    with tempfile.TemporaryDirectory(prefix="styletalk_blender_") as scratch:
        proc = subprocess.Popen(
            python_module("styletalk_core.meshio.blender_side", *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env={
                **child_environment([PACKAGE_ROOT]),
                **{"TMPDIR": scratch, "TMP": scratch, "TEMP": scratch, PARENT_VARIABLE: str(os.getpid())},
            },
            start_new_session=True,
        )
        try:
            code, message, tail = _follow(proc, stages, progress)
        except BaseException:
            _stop(proc)
            raise
    if message is not None:
        raise error(f"{source}: {message}")
    if code != 0:
        what = f"signal {-code}" if code < 0 else f"exit status {code}"
        raise error(f"{source}: Blender stopped with {what} while working on it ({_last_words(tail)})")
    if progress is not None:
        progress(100 * len(stages), 100 * len(stages))


def read_with_blender(path: Path, out: Path, progress: Progress | None) -> None:
    run_blender(["read", str(path), str(out)], str(path), ("import", "collect", "save", "done"), progress)


def write_with_blender(source: Path, additions: Path, out: Path, progress: Progress | None) -> None:
    run_blender(
        ["write", str(source), str(additions), str(out)],
        str(source),
        ("import", "keys", "export", "done"),
        progress,
        OutputError,
    )
