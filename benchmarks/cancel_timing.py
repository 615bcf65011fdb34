"""How fast a cancel stops the toolkit, and what it leaves: SIGTERM (the add-on's Esc) sent to
`generate --audio` on 400 s of speech while it labels, to `render` while it converts the renderer
for OpenVINO and while it renders, and the add-on's own job cancel. Prints seconds from the signal
to exit, the exit status, the processes of its session still alive a second later, and the files
left in its output folder.

.venv/bin/python benchmarks/cancel_timing.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
sys.path.insert(0, str(REPO))
from tests import hostile  # noqa: E402


def long_speech(path: Path, seconds: int = 400) -> Path:
    wav = sorted((SHARED / "official_samples" / "samples" / "source_video" / "wav").glob("*.wav"))[0]
    with wave.open(str(wav)) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.resize(pcm, seconds * rate).tobytes())
    return path


def cancel_cli(argv: list[str], ready, folder: Path, env: dict | None = None) -> tuple[float, int, list, list]:
    """Start the command, wait until `ready(line)` is true for a line on stdout or stderr, SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "styletalk_core.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    for line in proc.stdout:
        if ready(line):
            break
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    stopped = time.perf_counter() - t0
    time.sleep(1.0)
    return stopped, proc.returncode, hostile.session_processes(proc.pid), sorted(p.name for p in folder.iterdir())


def cancel_addon_job(speech: Path, folder: Path) -> tuple[float, int, list, list]:
    from styletalk_addon.build import assemble

    parent = assemble(Path(tempfile.mkdtemp()))
    sys.path.insert(0, str(parent.parent))
    from styletalk import jobs

    job = jobs.GenerateJob(jobs.GenerateRequest(sys.executable, str(speech), ["preset:happy"], str(folder / "o.npz")))
    while job.fraction < 0.08 and job.poll() is None:
        time.sleep(0.05)
    time.sleep(1.5)
    t0 = time.perf_counter()
    job.cancel()
    stopped = time.perf_counter() - t0
    time.sleep(1.0)
    return (
        stopped,
        job._proc.returncode,
        hostile.session_processes(job._proc.pid),
        sorted(p.name for p in folder.iterdir()),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = tmp / "inputs"
        inputs.mkdir()
        speech = long_speech(inputs / "long.wav")
        curves = inputs / "c.npz"
        np.savez(curves, exp=np.zeros((200, 64), np.float32), pose=np.zeros((200, 9), np.float32))
        from PIL import Image

        Image.fromarray(np.full((256, 256, 3), 128, np.uint8)).save(inputs / "face.png")
        renderer = SHARED / "parity" / "renderer_random_ckpt.pth"
        rows = []
        out = tmp / "generate"
        out.mkdir()
        argv = [
            "generate",
            "--audio",
            str(speech),
            "--style",
            "preset:happy",
            "-o",
            str(out / "o.npz"),
            "--progress",
            "lines",
        ]
        labelling = lambda line: line.startswith("progress") and int(line.split()[1]) >= 95  # noqa: E731
        rows.append(("generate --audio (400 s), labelling", *cancel_cli(argv, labelling, out)))
        for stage, ready in (
            ("converting", lambda line: line.startswith("renderer: compiling")),
            ("rendering", lambda line: line.startswith("progress")),
        ):
            out = tmp / stage
            out.mkdir()
            argv = [
                "render",
                "--curves",
                str(curves),
                "--image",
                str(inputs / "face.png"),
                "--renderer",
                str(renderer),
                "--progress",
                "lines",
                "-o",
                str(out / "o.mp4"),
            ]
            env = {"STYLETALK_CACHE_DIR": str(tmp / f"cache-{stage}")}
            rows.append((f"render, {stage}", *cancel_cli(argv, ready, out, env)))
        out = tmp / "addon"
        out.mkdir()
        rows.append(("add-on Generate job (400 s), labelling", *cancel_addon_job(speech, out)))
    print(f"{'what':<42} {'stop s':>7} {'exit':>5}  processes left  files left")
    for what, stopped, code, left, files in rows:
        print(f"{what:<42} {stopped:7.2f} {code:>5}  {left or '-'!s:<15} {files or '-'}")


if __name__ == "__main__":
    main()
