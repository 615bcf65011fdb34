"""The meshio tests' shared character: the ICT head exported by Blender 5.0 and 4.2 with their default
settings, made once per test run."""

import subprocess

import numpy as np
import pytest

from ..blender_scene import blender_python
from ..conftest import REPO, once_per_run, shared_path


@pytest.fixture(scope="session", params=["5.0", "4.2"])
def made(blender, shared, request, tmp_path_factory):
    """character.glb and character.fbx exported by Blender `version` with its default settings, and a
    curves file for them."""
    python = blender_python(request.param)
    ict = shared_path("ict_facekit", "ict_facekit.npz")

    def make(work):
        proc = subprocess.run(
            [python, str(REPO / "tests" / "blender" / "make_character.py"), str(ict), str(work)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0 and (work / "character.fbx").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
        rng = np.random.default_rng(0)
        np.savez(work / "curves.npz", exp=rng.normal(0, 1.0, (24, 64)).astype(np.float32), fps=np.float32(30))

    work = once_per_run(tmp_path_factory, f"made_{request.param}", make)
    return work, work / "curves.npz"
