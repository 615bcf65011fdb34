"""Driven by tests/blender_addon/test_character_addon.py in real bpy: Any Character on characters as Blender's glTF
importer brings them in: ICT-FaceKit's head with its eyes and teeth as objects of their own (written to
glTF and read back), a full body (its face found head first), and a stylised robot
whose face only placed landmarks can show (Place Landmarks, the empties moved onto its features).
Prints RESULTS: what was added, what stayed the same, what was refused."""

import hashlib
import importlib
import json
import os
import sys
from pathlib import Path

import bpy
import numpy as np

zip_path, work, body_path, robot_path, robot_marks, python, ict_path = sys.argv[1:8]
res = {"blender": bpy.app.version_string}
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=zip_path, repo="user_default", enable_on_install=True)
bpy.context.preferences.addons["bl_ext.user_default.styletalk"].preferences.python = python
character_io = importlib.import_module("bl_ext.user_default.styletalk.character_io")
placing = importlib.import_module("bl_ext.user_default.styletalk.placing")
scene = bpy.context.scene


def run(op) -> str:
    try:
        return str(op())
    except RuntimeError as exc:
        return str(exc).strip().splitlines()[-1]


def snapshot() -> dict:
    """Every mesh's vertices and shape keys, and the objects in the file."""
    out = {"objects": sorted(o.name for o in bpy.data.objects)}
    for o in bpy.data.objects:
        if o.type == "MESH":
            co = np.empty(len(o.data.vertices) * 3)
            o.data.vertices.foreach_get("co", co)
            keys = [k.name for k in o.data.shape_keys.key_blocks] if o.data.shape_keys else []
            out[o.name] = [hashlib.sha1(co.tobytes()).hexdigest(), keys]
    return out


def changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def select(obj) -> None:
    for other in bpy.context.view_layer.objects:
        other.select_set(False)
    obj.select_set(True)
    bpy.context.view_layer.objects.active = obj


def face_mesh(imported) -> bpy.types.Object:
    """The mesh with the most vertices among the imported ones (the body), or the one named Head."""
    meshes = [o for o in imported if o.type == "MESH"]
    head = [o for o in meshes if o.name.startswith("Head")]
    return head[0] if head else max(meshes, key=lambda o: len(o.data.vertices))


def world_rest(obj) -> np.ndarray:
    world = np.array([list(r) for r in obj.matrix_world])
    return character_io.rest_positions(obj) @ world[:3, :3].T + world[:3, 3]


def keyed(name: str, obj) -> None:
    """Add StyleTalk Keys on `obj`: what it said, what changed, its keys and the fit it reported."""
    before = snapshot()
    res[name] = run(bpy.ops.styletalk.transfer_keys)
    after = snapshot()
    res[f"{name}_changed"], res[f"{name}_keys"] = changed(before, after), len(after[obj.name][1])
    res[f"{name}_fit"] = obj.get("styletalk_face_fit", "")


def imported(path):
    before = set(bpy.data.objects)
    bpy.ops.import_scene.gltf(filepath=path)
    return [o for o in bpy.data.objects if o not in before]


# ICT's head as three objects, skin, eyes and teeth, through glTF: the face found with holes where the eyes
# and the mouth are, its keys on the skin only
with np.load(ict_path) as z:
    ict = {k: z[k] for k in ("neutral", "faces", "vertex_groups")}
groups = json.loads(str(ict["vertex_groups"]))
pieces = {"Skin": ("face", "head_and_neck"), "Eyes": ("eyeball_left", "eyeball_right"), "Teeth": ("teeth",)}
for name, wanted in pieces.items():
    ids = np.concatenate([np.arange(groups[g][0], groups[g][1] + 1) for g in wanted])
    index = np.full(len(ict["neutral"]), -1)
    index[ids] = np.arange(len(ids))
    polys = [[int(index[i]) for i in f if i >= 0] for f in ict["faces"] if all(index[i] >= 0 for i in f if i >= 0)]
    verts = ict["neutral"][ids] * 0.01
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(np.stack([verts[:, 0], -verts[:, 2], verts[:, 1]], 1).tolist(), [], polys)
    scene.collection.objects.link(bpy.data.objects.new(name, mesh))
gltf = str(Path(work) / "ict_parts.glb")
bpy.ops.export_scene.gltf(filepath=gltf)
for o in list(bpy.data.objects):
    bpy.data.objects.remove(o)
parts = {o.name: o for o in imported(gltf)}
select(parts["Skin"])
for other in ("Eyes", "Teeth"):
    parts[other].select_set(True)
keyed("parts", parts["Skin"])
# the teeth follow the jaw through drivers: the Skin key that moves the teeth most, set on the Skin alone
teeth, skin_keys = parts["Teeth"], parts["Skin"].data.shape_keys.key_blocks
rest = world_rest(teeth)
reach = {
    k.name: float(np.abs(np.array([list(d.co) for d in k.data]) - character_io.rest_positions(teeth)).max())
    for k in teeth.data.shape_keys.key_blocks[1:]
}
res["teeth_keys"], jaw_key = len(reach), max(reach, key=reach.get)
skin_keys[jaw_key].value = 1.0
graph = bpy.context.evaluated_depsgraph_get()
moved_teeth = teeth.evaluated_get(graph)
co = np.array([list(v.co) for v in moved_teeth.data.vertices])
world = np.array([list(r) for r in teeth.matrix_world])
moved = np.linalg.norm(co @ world[:3, :3].T + world[:3, 3] - rest, axis=1) > 1e-6
res["teeth_driven"] = teeth.data.shape_keys.key_blocks[jaw_key].value
res["teeth_moving"], res["teeth_still"] = int(moved.sum()), int((~moved).sum())
res["teeth_moving_lower"] = bool(moved.any() and rest[moved, 2].mean() < rest[~moved, 2].mean())
for o in list(bpy.data.objects):
    bpy.data.objects.remove(o)

# a full body: Add Face Mask goes in front of its head; our keys go onto the body, its face found head first
body = face_mesh(imported(body_path))
select(body)
res["body_mask"] = run(bpy.ops.styletalk.add_face_mask)
mask = scene.styletalk_character.mask
verts = world_rest(body)
res["body_mask_height"] = float((mask.matrix_world.translation.z - verts[:, 2].min()) / np.ptp(verts[:, 2]))
bpy.data.objects.remove(mask)
keyed("body", body)

# the robot: no face the detector reads; refused and left alone, then found by placed landmarks
robot = face_mesh(imported(robot_path))
select(robot)
before = snapshot()
res["robot_refused"] = run(bpy.ops.styletalk.transfer_keys)
res["robot_refused_changed"] = changed(before, snapshot())
res["place"] = run(bpy.ops.styletalk.place_landmarks)
marks = scene.styletalk_character.landmarks
res["marks"] = sorted(o.name for o in marks.objects)
head = world_rest(robot)
lo, hi = head.min(0), head.max(0)
spots = np.array([list(o.location) for o in marks.objects])
res["marks_near_head"] = bool(((spots > lo - (hi - lo)) & (spots < hi + (hi - lo))).all())
with open(robot_marks) as f:  # where a person put them: the file's y-up coordinates, in Blender's axes
    placed = {n: (x, -z, y) for n, (x, y, z) in json.load(f).items()}
for o in marks.objects:
    o.location = placed[o.name.removeprefix(placing.LANDMARK_PREFIX)]
scene.styletalk_character.mask = None
keyed("robot", robot)
print("RESULTS " + json.dumps(res), flush=True)
os._exit(0)  # bpy 4.2.0 from PyPI segfaults in its EGL teardown at interpreter exit; the checks are done
