"""Running the toolkit (`styletalk generate`, `styletalk retarget`) out of process with progress and
cancel; no bpy."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .formats.arkit import read_arkit_json
from .formats.character import load_additions
from .formats.curves import load_curves
from .formats.errors import StyleTalkError


@dataclass
class GenerateRequest:
    python: str  # interpreter that has styletalk_core installed
    speech: str  # *_seq.json phoneme labels, or an audio file (labelled by styletalk on the fly)
    styles: list[str]
    output: str
    style_weights: list[float] = field(default_factory=list)
    strength: float = 1.0
    checkpoint: str = ""
    pose: str = ""
    transcript: str = ""  # what is said (audio only): forced alignment
    language: str = "en"
    sync_offset_ms: float = 0.0
    lip_closure: bool = True

    @property
    def speech_is_labels(self) -> bool:
        """A `*_seq.json` phoneme file rather than audio."""
        return self.speech.lower().endswith(".json")

    def command(self) -> list[str]:
        source = "--phonemes" if self.speech_is_labels else "--audio"
        styles = [_not_an_option(s) for s in self.styles]
        cmd = [
            *toolkit(self.python),
            "generate",
            source,
            _not_an_option(self.speech),
            "--style",
            *styles,
        ]
        if self.style_weights:
            cmd += ["--style-weights", *map(str, self.style_weights)]
        if self.strength != 1.0:
            cmd += ["--style-strength", str(self.strength)]
        if self.checkpoint:
            cmd += ["--checkpoint", _not_an_option(self.checkpoint)]
        if self.pose:
            cmd += ["--pose", _not_an_option(self.pose)]
        if self.transcript.strip() and not self.speech_is_labels:
            cmd += [f"--transcript={self.transcript}"]  # one argument, even when it starts with '-'
        if not self.speech_is_labels:
            cmd += [f"--language={self.language}"]
        if self.sync_offset_ms:
            cmd += [f"--sync-offset={self.sync_offset_ms!r}"]
        if not self.lip_closure:
            cmd += ["--no-lip-closure"]
        return cmd + ["--progress", "lines", "-o", _not_an_option(self.output)]


def toolkit(python: str) -> list[str]:
    """The toolkit's command line under `python`: -P keeps the working folder (Blender's, or the
    .blend's) off sys.path, where a module named like one the toolkit imports would run inside it."""
    return [python, "-P", "-m", "styletalk_core.cli"]


def _not_an_option(path: str) -> str:
    """A relative path that starts with '-' (e.g. `-take2.wav`) would be read as an option: `./-take2.wav`."""
    return f"./{path}" if path.startswith("-") else path


CANCEL_GRACE_S = 2.0


class ToolkitJob:
    """A background toolkit command printing `progress D T` lines; poll() from a modal timer, cancel()
    on Esc. `verify` reads the output (raising StyleTalkError when it is unusable): exit 0 is not enough."""

    def __init__(self, command: list[str], output: str, verify: Callable[[str], object], what: str):
        self.output, self._verify, self.what = output, verify, what
        self.fraction = 0.0
        self.result = None  # what `verify` read from the output, once the job is "ok"
        self._stderr: list[str] = []
        # its own process group, so a cancel can stop the toolkit's worker processes with it
        self._proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
            env=dict(os.environ, PYTHONSAFEPATH="1"),  # and nothing the toolkit starts in turn imports it
        )
        self._threads = [
            threading.Thread(target=self._read_progress, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _read_progress(self) -> None:
        for line in self._proc.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "progress":
                done, total = int(parts[1]), int(parts[2])
                self.fraction = done / max(total, 1)

    def _read_errors(self) -> None:
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip())

    def poll(self) -> str | None:
        """None while running, "ok" on success, otherwise the error line."""
        code = self._proc.poll()
        if code is None:
            return None
        for t in self._threads:
            t.join(timeout=1)
        if code == 0:
            try:
                self.result = self._verify(self.output)
            except StyleTalkError as exc:
                return f"{self.what} finished but its output is unusable: {exc}"
            self.fraction = 1.0
            return "ok"
        lines = [s for s in self._stderr if s.strip()]
        return lines[-1] if lines else f"{self.what} exited with code {code}"

    def wait(self, poll_seconds: float = 0.05) -> str:
        """Block until done (an operator run from a script, or headless)."""
        while (status := self.poll()) is None:
            time.sleep(poll_seconds)
        return status

    def cancel(self) -> None:
        """SIGTERM (the toolkit stops within about a second and removes its temporary files), then, after
        CANCEL_GRACE_S, SIGKILL for whatever of its process group is still there."""
        if self._proc.poll() is None:
            self._proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=CANCEL_GRACE_S)
        if hasattr(os, "killpg"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()


class GenerateJob(ToolkitJob):
    """A background `styletalk generate`."""

    def __init__(self, request: GenerateRequest):
        self.request = request
        super().__init__(request.command(), request.output, load_curves, "styletalk generate")


@dataclass
class RetargetRequest:
    """`styletalk retarget` on a character exported by the add-on: our keys transferred (no curves),
    or, with `solve`, its own keys animated from the curves."""

    python: str
    mesh: str  # .npz written by the add-on: the character's meshes in world space (formats.character)
    output: str  # .npz: the additions (formats.character)
    front: str = "-y"  # Blender's front view looks along +Y at a face that looks along -Y (world axes)
    up: str = "+z"
    curves: str = ""
    solve: bool = False
    arkit: bool = False
    mask: str = ""  # .npy of a hand-placed face mask, instead of detection
    landmarks: str = ""  # .json of hand-placed landmarks (formats.placed), instead of detection

    def command(self) -> list[str]:
        cmd = [
            *toolkit(self.python),
            "retarget",
            "--mesh",
            _not_an_option(self.mesh),
            f"--front={self.front}",
            f"--up={self.up}",
        ]
        if self.curves:
            cmd += ["--curves", _not_an_option(self.curves)]
        if self.mask:
            cmd += ["--mask", _not_an_option(self.mask)]
        if self.landmarks:
            cmd += ["--landmarks", _not_an_option(self.landmarks)]
        cmd += ["--solve"] if self.solve else []
        cmd += ["--arkit"] if self.arkit else []
        return cmd + ["--progress", "lines", "-o", _not_an_option(self.output)]


class RetargetJob(ToolkitJob):
    def __init__(self, request: RetargetRequest):
        self.request = request
        super().__init__(request.command(), request.output, load_additions, "styletalk retarget")


def arkit_command(python: str, curves: str, output: str) -> list[str]:
    """The toolkit's ARKit solve for a curves file: `styletalk export --format arkit-json`."""
    return [
        *toolkit(python),
        "export",
        "--curves",
        _not_an_option(curves),
        "--format",
        "arkit-json",
        "-o",
        _not_an_option(output),
    ]


class ArkitJob(ToolkitJob):
    """The toolkit's ARKit solve of a curves file into an ARKit JSON at `output`."""

    def __init__(self, python: str, curves: str, output: str):
        super().__init__(arkit_command(python, curves, output), output, read_arkit_json, "styletalk export")
