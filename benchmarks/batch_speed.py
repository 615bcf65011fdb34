"""Batch speed, side by side: N takes (3 s cuts of the sample recordings, styles cycled over the sample
clips) through a per-command shell loop (`styletalk generate` per take), `styletalk batch` in one
process, on all cores, and on a local Ray cluster. Takes per minute and peak memory (the largest
process), and whether every path gave the same curves as the one-process batch.

Run: .venv/bin/python benchmarks/batch_speed.py [--takes 200] [--skip-loop] [--skip-ray]"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
CLI = [sys.executable, "-m", "styletalk_core.cli"]


def make_takes(folder: Path, n: int) -> Path:
    audio = sorted((SHARED / "dreamtalk_samples" / "audio").glob("*.wav"))
    styles = sorted((SHARED / "official_samples" / "samples" / "style_clips" / "3DMM").glob("*.mat"))[:8]
    rows = ["id,audio,style,outputs"]
    for i in range(n):
        src, dst = audio[i % len(audio)], folder / f"take{i:04d}.wav"
        with wave.open(str(src)) as w:
            rate, params = w.getframerate(), w.getparams()
            w.readframes(int((i // len(audio)) % 3 * rate))  # a different 3 s of the recording each round
            frames = w.readframes(3 * rate)
        with wave.open(str(dst), "wb") as out:
            out.setparams(params)
            out.writeframes(frames)
        rows.append(f"take{i:04d},{dst.name},{styles[i % len(styles)]},curves")
    (folder / "takes.csv").write_text("\n".join(rows) + "\n")
    return folder / "takes.csv"


def timed(argvs: list[list[str]]) -> tuple[float, float]:
    """Seconds for running the commands one after another, and the largest child's peak GB."""
    t0 = time.perf_counter()
    for argv in argvs:
        subprocess.run(argv, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6


def same(a: Path, b: Path, ids: list[str]) -> bool:
    for take in ids:
        with np.load(a / take / "curves.npz") as x, np.load(b / take / "curves.npz") as y:
            if not np.array_equal(x["exp"], y["exp"]):
                return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--takes", type=int, default=200)
    ap.add_argument("--skip-loop", action="store_true", help="leave out the per-command shell loop (slowest)")
    ap.add_argument("--skip-ray", action="store_true", help="leave out the local Ray cluster")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = make_takes(tmp, args.takes)
        ids = [line.split(",")[0] for line in manifest.read_text().splitlines()[1:]]
        runs = {
            "batch, one process": ["--threads", "1"],
            "batch, all cores": [],
            "batch, Ray (local)": ["--engine", "ray"],
        }
        if args.skip_ray:
            runs.pop("batch, Ray (local)")
        results = {}
        for name, extra in runs.items():  # each in its own measuring process: peak memory is per process tree
            out = tmp / name.replace(" ", "_").replace(",", "").replace("(", "").replace(")", "")
            code = (
                "import resource, subprocess, sys, time; t = time.perf_counter(); "
                "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                "print(time.perf_counter() - t, "
                "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6)"
            )
            argv = CLI + ["batch", str(manifest), "-o", str(out), "--progress", "none"] + extra
            line = subprocess.run([sys.executable, "-c", code] + argv, capture_output=True, text=True, cwd=REPO)
            seconds, gb = map(float, line.stdout.split())
            results[name] = (seconds, gb, out)
        if not args.skip_loop:
            out = tmp / "loop"
            rows = [r.split(",") for r in manifest.read_text().splitlines()[1:]]
            argvs = [
                CLI
                + [
                    "generate",
                    "--audio",
                    str(tmp / r[1]),
                    "--style",
                    r[2],
                    "-o",
                    str(out / r[0] / "curves.npz"),
                    "--threads",
                    "1",
                    "--progress",
                    "none",
                ]
                for r in rows
            ]
            for r in rows:
                (out / r[0]).mkdir(parents=True)
            seconds, gb = timed(argvs)
            results["shell loop of `generate`"] = (seconds, gb, out)
        base = results["batch, one process"][2]
        print(f"{args.takes} takes of 3 s")
        print(f"{'path':<28}{'s':>8}{'takes/min':>11}{'peak GB':>9}{'same curves':>13}")
        for name, (seconds, gb, out) in results.items():
            print(
                f"{name:<28}{seconds:>8.1f}{60 * args.takes / seconds:>11.1f}{gb:>9.2f}{str(same(base, out, ids)):>13}"
            )


if __name__ == "__main__":
    main()
