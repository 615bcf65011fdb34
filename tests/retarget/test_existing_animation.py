"""A character that already carries its own facial take (an ARKit head with a mocap action on its
shape keys, made in Blender at its default 24 fps): after `retarget` (our keys added, through
Blender's exporter; or its own keys solved, straight into the .glb) our animation is the first, named
StyleTalk, and is what Blender's importer (4.2 and 5.0) plays and three.js's first clip is; theirs is
kept under its own name and at its own length in seconds, and the output line says so."""

import subprocess

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.meshio.precheck import load_gltf

from ..blender_scene import blender_python, probe
from ..conftest import REPO, shared_path
from ..gltf_clients import node_reader

pytestmark = pytest.mark.slow
FRAMES = 45  # ours: 1.5 s at 30 fps; theirs: 2.5 s at 24 fps


@pytest.fixture(scope="module")
def with_take(blender, shared, tmp_path_factory):
    python = blender_python("5.0")
    ict = shared_path("ict_facekit", "ict_facekit.npz")
    work = tmp_path_factory.mktemp("take")
    proc = subprocess.run(
        [python, str(REPO / "tests" / "blender" / "make_character.py"), str(ict), str(work), "--take"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and (work / "character.glb").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    curves = work / "curves.npz"
    t = np.arange(FRAMES) / 30
    exp = np.zeros((FRAMES, 64), np.float32)
    exp[:, 0] = 2.0 * np.sin(2 * np.pi * t)  # the jaw's component: the mouth opens and closes
    np.savez(curves, exp=exp, fps=np.float32(30))
    return work, curves


def _animations(path) -> list[tuple[str, float]]:
    """(name, length in seconds) of each animation of a .glb, in order."""
    doc, buffers = load_gltf(path, "glb")
    out = []
    for anim in doc.get("animations", []):
        ends = [doc["accessors"][s["input"]]["max"][0] for s in anim["samplers"]]
        out.append((anim.get("name"), max(ends)))
    return out


@pytest.mark.parametrize("mode", ["add our keys", "solve its own keys"])
def test_our_animation_plays_first_and_theirs_is_kept(blender, with_take, tmp_path, capsys, mode):
    work, curves = with_take
    source, out = work / "character.glb", tmp_path / "out.glb"
    assert _animations(source) == [("FacecapTake", pytest.approx(2.5, abs=1e-3))]
    argv = ["retarget", "--mesh", str(source), "--curves", str(curves), "-o", str(out)]
    assert main(argv + (["--solve"] if mode.startswith("solve") else [])) == 0
    line = capsys.readouterr().out
    assert "its own animation FacecapTake is kept, after ours (ours plays first)" in line, line
    written = _animations(out)
    assert [name for name, _ in written] == ["StyleTalk", "FacecapTake"], written
    assert written[0][1] == pytest.approx((FRAMES - 1) / 30, abs=1e-3)
    assert written[1][1] == pytest.approx(2.5, abs=1e-3)  # theirs as long as it was, in seconds
    for version in ("4.2", "5.0"):
        python = blender_python(version)
        objects = probe(out, python=python)["objects"]
        head = max((n for n, o in objects.items() if o["type"] == "MESH"), key=lambda n: len(objects[n]["shape_keys"]))
        # Blender 4.2 names the action ANIMATION_OBJECT, 5.0 after the animation alone
        assert objects[head]["action"].startswith("StyleTalk"), (version, objects[head])
        scene = probe(out, head, python)
        assert len(scene["values"]) == FRAMES  # what plays is ours, frame for frame
        assert np.ptp(scene["values"], axis=0).max() > 0.05, version  # and it moves the face
    assert node_reader("validate", out)[0]["errors"] == 0
    clips = node_reader("three", 30, out)[0]["clips"]
    assert [c["name"] for c in clips] == ["StyleTalk", "FacecapTake"]
