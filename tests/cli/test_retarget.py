"""`styletalk retarget`: our keys onto an OBJ head, read back by Blender's importer, moving its lips as ours."""

import numpy as np
import pytest

from styletalk_core.style.clip import load_expression

from ..blender_scene import played, probe
from ..conftest import sample_files, shared_path
from ..ict_characters import identity, load_ict, transfer_fidelity
from ..retarget.test_character import _obj


@pytest.mark.slow
def test_retarget_cli_transfers_our_keys_onto_an_obj(blender, shared, tmp_path):
    from styletalk_core.cli import main

    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()
    verts = identity(ict, 2.0, np.random.default_rng(5))
    mat = sample_files("source_video/3DMM", "*.mat")[0]
    exp = load_expression(mat)[:200]  # about 7 s of speech: Blender's exporter and importer at frame rate
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=exp, fps=np.float32(30))
    out = tmp_path / "head_talking.glb"
    assert (
        main(
            [
                "retarget",
                "--mesh",
                str(_obj(tmp_path / "head.obj", verts, ict["tris"])),
                "--curves",
                str(curves),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    scene = probe(out, "head")  # read back by Blender's importer
    names = list(scene["names"])  # our signed keys as positive and negative targets, weights within [0, 1]
    assert {n.rsplit("_", 1)[0] for n in names} == {f"exp{i:02d}" for i in range(64)} and scene["start"] == 0
    assert scene["values"].shape[1] == len(names) and 0 <= scene["values"].min() and scene["values"].max() <= 1
    assert scene["objects"]["head"]["vertices"] == len(verts) and scene["actions"] == 1
    r = transfer_fidelity(ict, verts, played(scene, verts), exp)
    assert r["lip r"] >= 0.9 and 0.7 <= r["amplitude"] <= 1.3, r
    assert r["outside"] < 0.01 and r["lip travel"] > 0.03, r  # still outside the face; the lips part
