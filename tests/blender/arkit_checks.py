"""Driven by tests/blender_addon/test_blender_addon.py in real bpy: an ICT-FaceKit head built from the shared npz
(26k vertices, its 53 ARKit-named shape keys), matched and keyed from ARKit weights, twice (ICT's
`_L/_R` names, then Live Link's capitalisation); a mesh without ARKit names; duplicate names.
Prints one JSON object of results."""

import importlib
import json
import os
import struct
import sys
from pathlib import Path

import bpy
import numpy as np

zip_path, work, ict_path, weights_json = (Path(a) for a in sys.argv[1:5])
res = {"blender": bpy.app.version_string}
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default", enable_on_install=True)
st_exports = importlib.import_module("bl_ext.user_default.styletalk.exports")
arkit_formats = importlib.import_module("bl_ext.user_default.styletalk.formats.arkit")
ARKIT_NAMES, read_arkit_json = arkit_formats.ARKIT_NAMES, arkit_formats.read_arkit_json

with np.load(ict_path) as z:
    ict = {k: z[k] for k in ("neutral", "faces", "expression_names", "expression_deltas")}


def ict_head(names: list[str]) -> bpy.types.Object:
    polys = [[int(i) for i in f if i >= 0] for f in ict["faces"]]
    mesh = bpy.data.meshes.new("ICT")
    mesh.from_pydata((ict["neutral"] * 0.01).tolist(), [], polys)
    obj = bpy.data.objects.new("ICT", mesh)
    bpy.context.collection.objects.link(obj)
    obj.shape_key_add(name="Basis", from_mix=False)
    for name, delta in zip(names, ict["expression_deltas"], strict=True):
        obj.shape_key_add(name=name, from_mix=False).data.foreach_set("co", ((ict["neutral"] + delta) * 0.01).ravel())
    for other in bpy.context.view_layer.objects:
        other.select_set(False)
    obj.select_set(True)
    bpy.context.view_layer.objects.active = obj
    return obj


def live_link(name: str) -> str:
    matches = [a for a in ARKIT_NAMES if a.lower() == name.lower().replace("_l", "left").replace("_r", "right")]
    return (matches[0] if matches else name)[0].upper() + (matches[0] if matches else name)[1:]


weights, fps = read_arkit_json(weights_json)
scene = bpy.context.scene
scene.render.fps, scene.styletalk.start_frame = 30, 1
for variant, names in (
    ("ict", [str(n) for n in ict["expression_names"]]),
    ("live_link", [live_link(str(n)) for n in ict["expression_names"]]),
):
    obj = ict_head(names)
    arkit_character = importlib.import_module("bl_ext.user_default.styletalk.arkit_character")
    res[f"{variant}_generate_targets_it"] = arkit_character.is_arkit_character(obj)  # what Generate checks
    res[f"{variant}_match"] = str(bpy.ops.styletalk.match_arkit())
    mapping = {i.arkit: i.keys for i in obj.styletalk_arkit_map if i.keys}
    res[f"{variant}_matched"] = len(mapping)
    res[f"{variant}_brow"] = mapping.get("browInnerUp", "")
    res[f"{variant}_apply"] = str(bpy.ops.styletalk.apply_arkit(filepath=str(weights_json)))
    blocks = obj.data.shape_keys.key_blocks
    errs = []
    for f in (1, 10, 40, len(weights) // 2, len(weights)):
        scene.frame_set(f)
        for arkit, keys_ in mapping.items():
            for key in keys_.split(", "):
                errs.append(abs(blocks[key].value - weights[f - 1, ARKIT_NAMES.index(arkit)]))
    res[f"{variant}_max_err"] = float(max(errs))
    res[f"{variant}_action"] = obj.data.shape_keys.animation_data.action.name
    glb = work / f"{variant}.glb"
    st_exports.export_keyframes(obj, str(glb), "glb")
    data = glb.read_bytes()
    gltf = json.loads(data[20 : 20 + struct.unpack("<I", data[12:16])[0]])
    res[f"{variant}_targets"] = len(gltf["meshes"][0]["primitives"][0]["targets"])
    res[f"{variant}_weights_animated"] = any(
        c["target"]["path"] == "weights" for a in gltf["animations"] for c in a["channels"]
    )
    bpy.data.objects.remove(obj)
    bpy.context.view_layer.update()

bpy.ops.mesh.primitive_cube_add()
cube = bpy.context.active_object
cube.shape_key_add(name="Basis")
cube.shape_key_add(name="Key 1")
n_actions = len(bpy.data.actions)
try:
    res["cube"] = str(bpy.ops.styletalk.match_arkit())
except RuntimeError as exc:
    res["cube"] = f"error: {exc}"
try:
    res["cube_apply"] = str(bpy.ops.styletalk.apply_arkit(filepath=str(weights_json)))
except RuntimeError as exc:
    res["cube_apply"] = f"error: {exc}"
res["cube_actions_added"] = len(bpy.data.actions) - n_actions
res["cube_table_after_failed_match"] = len(cube.styletalk_arkit_map)
cube.shape_key_add(name="jawOpen")
cube.shape_key_add(name="JawOpen")
try:
    res["only_duplicates"] = str(bpy.ops.styletalk.match_arkit())
except RuntimeError as exc:
    res["only_duplicates"] = f"error: {exc}"
cube.shape_key_add(name="mouthSmile_L")
bpy.ops.styletalk.match_arkit()
res["duplicates_mapped"] = {i.arkit: i.keys for i in cube.styletalk_arkit_map if i.keys}

# a key whose name has a trailing space is keyed, not silently skipped
bpy.ops.mesh.primitive_cube_add()
spaced = bpy.context.active_object
spaced.shape_key_add(name="Basis")
spaced.shape_key_add(name="jawOpen ")
res["spaced_match"] = str(bpy.ops.styletalk.match_arkit())
res["spaced_apply"] = str(bpy.ops.styletalk.apply_arkit(filepath=str(weights_json)))
weights = read_arkit_json(weights_json)[0]
t = int(np.argmax(weights[:, ARKIT_NAMES.index("jawOpen")]))
bpy.context.scene.frame_set(bpy.context.scene.styletalk.start_frame + t)
res["spaced_keyed"] = bool(abs(spaced.data.shape_keys.key_blocks["jawOpen "].value - weights[t, 17]) < 1e-3)

# an ARKit JSON with a defect is reported as one, not as a curves file without 'exp'
bad_json = work / "bad_arkit.json"
bad_json.write_text(json.dumps({"names": ["jawOpen"], "fps": 30, "weights": [[0.5]]}))
n_actions = len(bpy.data.actions)
try:
    res["bad_arkit_json"] = str(bpy.ops.styletalk.apply_arkit(filepath=str(bad_json)))
except RuntimeError as exc:
    res["bad_arkit_json"] = f"error: {exc}"
res["bad_arkit_json_actions_added"] = len(bpy.data.actions) - n_actions
bpy.ops.styletalk.add_face(arkit=True)
res["face_with_arkit_keys"] = len(bpy.context.active_object.data.shape_keys.key_blocks)
print("RESULTS " + json.dumps(res), flush=True)
os._exit(0)  # bpy 4.2.0 from PyPI segfaults in its EGL teardown at interpreter exit; the checks are done
