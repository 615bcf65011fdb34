"""The demo's Blender scene (blender_addon/build_demo_scene.py, run by `styletalk demo`): a .blend holding the
action and a .glb holding the animation."""

import json
import struct
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_blend_has_action_and_glb_has_animation(blender, demo_out):
    code = (
        "import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); "
        "k = bpy.data.objects['StyleTalkFace'].data.shape_keys; "
        "print('ACTION', k.animation_data.action.name, len(k.key_blocks), bpy.context.scene.frame_end)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(demo_out / "demo.blend")], capture_output=True, text=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith("ACTION")]
    assert line and line[0].split()[1:3] == ["StyleTalk", "65"], proc.stderr[-2000:]
    glb = (demo_out / "demo.glb").read_bytes()
    gltf = json.loads(glb[20 : 20 + struct.unpack("<I", glb[12:16])[0]])
    assert any(c["target"]["path"] == "weights" for a in gltf["animations"] for c in a["channels"])
