"""Blender in the tests: which Blender runs a check (5.0 here, 4.2 LTS in .venv-bpy42), a check script
run with the built extension installed (tests/blender/), and what Blender's own importer makes of a
file (tests/blender/scene_probe.py, run in a child process): the objects a user would see, and an
object's shape-key motion frame by frame."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from .conftest import REPO

PROBE = Path(__file__).resolve().parent / "blender" / "scene_probe.py"
TO_Y_UP = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])  # Blender's z-up -> glTF's (and OBJ's) y-up


def probe(path, obj: str | None = None, python: str = sys.executable) -> dict:
    """{"objects": {name: {...}}, "images", "actions"}; with `obj`, also its "rest" (V, 3, y up),
    "offsets" (K, V, 3), "values" (T, K) and "names" of its shape keys, read by Blender."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sampled.npz"
        argv = [python, str(PROBE), str(path)] + ([obj, str(out)] if obj else [])
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        line = [x for x in proc.stdout.splitlines() if x.startswith("SCENE ")]
        assert proc.returncode == 0 and line, proc.stdout[-2000:] + proc.stderr[-2000:]
        scene = json.loads(line[0].removeprefix("SCENE "))
        if obj:
            with np.load(out) as z:
                scene |= {k: z[k] for k in z.files}
            scene["rest"] = scene["rest"] @ TO_Y_UP.T
            scene["offsets"] = scene["offsets"] @ TO_Y_UP.T
    return scene


def played(scene: dict, vertices: np.ndarray) -> np.ndarray:
    """(T, V, 3) the probed object's motion at `vertices` (y up; each must be one of its rest vertices)."""
    dist, idx = cKDTree(scene["rest"]).query(vertices)
    assert dist.max() < 1e-5 * np.ptp(vertices, axis=0).max(), dist.max()
    return scene["rest"][idx][None] + np.tensordot(scene["values"], scene["offsets"][:, idx], 1)


def blender_python(version: str) -> str:
    """Blender 5.0 (this environment, layered actions) or 4.2 LTS (.venv-bpy42, legacy Action.fcurves)."""
    if version == "5.0":
        pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
        return sys.executable
    python = str(REPO / ".venv-bpy42" / "bin" / "python")
    if not os.path.exists(python):
        pytest.skip("no .venv-bpy42 (scripts/setup.sh creates it) for the Blender 4.2 run")
    return python


def run_checks(version: str, script: str, work: Path, *args) -> dict:
    """Install the built extension in a fresh bpy process, run tests/blender/SCRIPT, return its RESULTS."""
    from styletalk_addon.build import build_zip

    env = {**os.environ, "BLENDER_USER_RESOURCES": str(work / "blender_user")}
    argv = [
        blender_python(version),
        str(REPO / "tests" / "blender" / script),
        str(build_zip(work / "styletalk.zip")),
        str(work),
        *map(str, args),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[0].removeprefix("RESULTS "))
