"""The batch tests' shared takes: short lines cut from the bundled example, two style clips and a manifest writer."""

import subprocess
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from ..conftest import REPO, shared_path

HELLO = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"


def _cut(src: Path, dst: Path, start_s: float, seconds: float) -> None:
    with wave.open(str(src)) as w:
        rate = w.getframerate()
        w.readframes(int(start_s * rate))
        frames, params = w.readframes(int(seconds * rate)), w.getparams()
    with wave.open(str(dst), "wb") as out:
        out.setparams(params)
        out.writeframes(frames)


@pytest.fixture
def takes(shared, tmp_path):
    """A folder with short takes cut from the bundled example, two style clips and a manifest writer."""
    for i in range(4):
        _cut(HELLO, tmp_path / f"line{i}.wav", 1.5 * i, 1.5)
    clips = sorted(shared_path("official_samples", "samples", "style_clips", "3DMM").glob("*.mat"))[:2]
    for name, clip in zip(("calm.mat", "wild.mat"), clips, strict=True):
        (tmp_path / name).write_bytes(clip.read_bytes())

    def manifest(rows: list[str], extra: str = "") -> Path:
        path = tmp_path / "takes.csv"
        path.write_text(f"id,audio,transcript,style,style_weights,outputs{extra}\n" + "\n".join(rows) + "\n")
        return path

    return tmp_path, manifest


GOOD = [
    "a,line0.wav,hello and welcome,calm.mat,,curves;arkit-csv",
    "b,line1.wav,,wild.mat,,curves",
    "c,line2.wav,,preset:happy;calm.mat,1;3,curves;arkit-json",
]


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def _same_curves(a: Path, b: Path) -> None:
    for take in ("a", "b", "c"):
        with np.load(a / take / "curves.npz") as x, np.load(b / take / "curves.npz") as y:
            assert set(x.files) == set(y.files)
            for key in x.files:
                assert np.array_equal(x[key], y[key]), (take, key)


def _running_in_group(pgid: int) -> list[str]:
    """Live processes of the group after up to 1 s (exited ones not yet reaped by init don't count)."""
    for _ in range(10):
        ps = subprocess.run(["ps", "-o", "stat=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
        alive = [line for line in ps.splitlines() if line.strip() and not line.strip().startswith("Z")]
        if not alive:
            return []
        time.sleep(0.1)
    return alive
