"""What Blender's own importer makes of a file (tests/blender/scene_probe.py, run in a child process):
the objects a user would see, and an object's shape-key motion frame by frame."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

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
    return scene["rest"][idx][None] + np.einsum("tk,kvc->tvc", scene["values"], scene["offsets"][:, idx])
