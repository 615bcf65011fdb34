"""Driven by tests/batch/test_run.py in a fresh interpreter with real bpy: installs the extension zip and
imports a `styletalk batch` output folder as actions and NLA strips. Prints one JSON object."""

import importlib
import json
import os
import sys
from pathlib import Path

import bpy
import numpy as np

zip_path, work, batch = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
res = {"blender": bpy.app.version_string}


def op(fn, **kw):
    try:
        return str(fn(**kw))
    except RuntimeError as exc:
        return f"error: {exc}"


bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default", enable_on_install=True)
res["no_mesh"] = op(bpy.ops.styletalk.import_batch, directory=str(batch))
bpy.ops.styletalk.add_face()
face = bpy.context.active_object
scene = bpy.context.scene
scene.render.fps = 24
scene.styletalk.start_frame = 5
res["empty"] = op(bpy.ops.styletalk.import_batch, directory=str(work / "blender_user"))
res["nla"] = op(bpy.ops.styletalk.import_batch, directory=str(batch), nla=True, gap=10)
anim = face.data.shape_keys.animation_data
res["actions"] = sorted(a.name for a in bpy.data.actions)
res["fake_users"] = all(a.use_fake_user for a in bpy.data.actions)
res["active"] = anim.action.name if anim.action else None
track = anim.nla_tracks[-1]
res["strips"] = [[s.name, s.frame_start, s.frame_end] for s in track.strips]
res["frame_range"] = [scene.frame_start, scene.frame_end]
st_exports = importlib.import_module("bl_ext.user_default.styletalk.exports")
errors = {}
for strip in track.strips:  # what plays inside each strip is that take's curves
    with np.load(batch / strip.name / "curves.npz") as z:
        exp = z["exp"]
    t = np.array([0, len(exp) // 2, len(exp) - 1])
    errors[strip.name] = float(np.abs(st_exports.sampled_values(face, strip.frame_start + t * 24 / 30) - exp[t]).max())
res["nla_errors"] = errors
bpy.ops.wm.save_as_mainfile(filepath=str(work / "batch.blend"))
bpy.ops.wm.open_mainfile(filepath=str(work / "batch.blend"))
face = bpy.data.objects["StyleTalkFace"]
res["reloaded"] = [
    sorted(a.name for a in bpy.data.actions),
    len(face.data.shape_keys.animation_data.nla_tracks[-1].strips),
]
bpy.context.view_layer.objects.active = face
res["actions_only"] = op(bpy.ops.styletalk.import_batch, directory=str(batch), nla=False)
anim = face.data.shape_keys.animation_data
res["after_second"] = [sorted(a.name for a in bpy.data.actions), anim.action.name, len(anim.nla_tracks)]


# a take past Blender's last frame: nothing of this import stays, the face plays what it played
def state():
    return [sorted(a.name for a in bpy.data.actions), anim.action.name, len(anim.nla_tracks)]


before = state()
failed = op(bpy.ops.styletalk.import_batch, directory=str(batch), nla=True, gap=1_100_000)
res["all_or_none"] = [failed, state() == before]
print("RESULTS " + json.dumps(res), flush=True)
sys.stdout.flush()
os._exit(0)
