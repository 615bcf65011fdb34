"""Driven by tests/blender_addon/test_blender_addon.py in real bpy: the add-on as it sits in the repository (no
builder run), enabled from a local extension repository that links to blender_addon/styletalk; its
operators registered, and Add Face (the embedded face model, read through the source's link) working.
Prints RESULTS."""

import json
import os
import sys
from pathlib import Path

import bpy

source, work = Path(sys.argv[1]), Path(sys.argv[2])
repo_dir = work / "dev_repo"
repo_dir.mkdir(parents=True, exist_ok=True)
(repo_dir / "styletalk").symlink_to(source, target_is_directory=True)
bpy.ops.wm.read_factory_settings(use_empty=True)
repo = bpy.context.preferences.extensions.repos.new(
    name="dev", module="dev", custom_directory=str(repo_dir), source="USER"
)
res_enable = str(bpy.ops.preferences.addon_enable(module="bl_ext.dev.styletalk"))
res = {
    "blender": bpy.app.version_string,
    "enabled": "bl_ext.dev.styletalk" in bpy.context.preferences.addons,
    "enable": res_enable,
}
res["operators"] = sorted(n for n in dir(bpy.ops.styletalk) if not n.startswith("_"))
res["add_face"] = str(bpy.ops.styletalk.add_face())
face = bpy.context.active_object
res["face_keys"] = len(face.data.shape_keys.key_blocks) if face is not None and face.data.shape_keys else 0
package = sys.modules["bl_ext.dev.styletalk.formats"].__file__
res["formats_from"] = str(Path(package).resolve().parent)
print("RESULTS " + json.dumps(res), flush=True)
os._exit(0)  # bpy 4.2.0 from PyPI segfaults in its EGL teardown at interpreter exit; the checks are done
