"""Our face in Blender 5.0 and 4.2: installed, added with its 64 keys at a human size, and rendered with the
mouth open."""

import numpy as np
import pytest


@pytest.mark.slow
def test_install_and_face(blender_results):
    r, _ = blender_results
    assert r["blender"].startswith(("5.0", "4.2"))
    assert r["install"] == "{'FINISHED'}" and r["registered"]
    assert r["add_face"] == "{'FINISHED'}"
    assert r["shape_keys"] == ["Basis", "exp00", "exp01", "exp63", 65]
    assert r["slider"] == [-10.0, 10.0] and r["vertices"] == 468
    assert 0.1 < r["dims_m"][0] < 0.25  # a human-sized face, in metres


@pytest.mark.slow
def test_open_mouth_render_written(blender_results):
    r, work = blender_results
    assert r["render"] == "ok", r["render"]
    from PIL import Image

    img = np.asarray(Image.open(work / "open_mouth.png").convert("L"))
    assert img.shape == (512, 512) and img.std() > 5
