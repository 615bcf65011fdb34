"""Keys out: the add-on's exports contain the animation."""

import json
import struct

import numpy as np
import pytest


@pytest.mark.slow
def test_exports_contain_the_animation(blender, blender_results):
    r, work = blender_results
    for fmt in ("csv", "json", "npy", "glb", "fbx"):
        assert r[f"export_{fmt}"] == "{'FINISHED'}"
    arr = np.load(work / "out.npy")
    assert arr.shape[1] == 73 and len(arr) >= 70
    doc = json.loads((work / "out.json").read_text())
    assert doc["fps"] == 30 and len(doc["exp"][0]) == 64
    glb = (work / "out.glb").read_bytes()
    length = struct.unpack("<I", glb[12:16])[0]
    gltf = json.loads(glb[20 : 20 + length])
    paths = {c["target"]["path"] for a in gltf.get("animations", []) for c in a["channels"]}
    assert "weights" in paths
    names = gltf["meshes"][0]["extras"]["targetNames"]  # signed keys as _pos/_neg pairs (weights within [0, 1])
    assert len(gltf["meshes"][0]["primitives"][0]["targets"]) == len(names) == 62 + 1 + 2
    assert "exp00_neg" in names and "exp00_pos" not in names and {"exp20_pos", "exp20_neg"} <= set(names)
    fbx = (work / "out.fbx").read_bytes()
    assert b"AnimationCurveNode" in fbx and b"DeformPercent" in fbx and b"exp00" in fbx
