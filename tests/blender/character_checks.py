"""Driven by tests/blender_addon/test_character_addon.py in real bpy: Any Character on ICT-FaceKit identities built
in Blender's axes (looking along -Y, Z up) with no shape keys: Add StyleTalk Keys then Import Curves;
Solve Character's Own Keys on ICT's 53 keys under names nothing can match; the hand-placed face mask;
meshes that are not faces. Writes the arrays the test measures to WORK/*.npz; prints RESULTS."""

import hashlib
import importlib
import json
import os
import sys
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix

zip_path, work, chars_path, curves_path, python = sys.argv[1:6]
full = sys.argv[6] == "full"
work = Path(work)
res = {"blender": bpy.app.version_string}
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=zip_path, repo="user_default", enable_on_install=True)
bpy.context.preferences.addons["bl_ext.user_default.styletalk"].preferences.python = python
character_io = importlib.import_module("bl_ext.user_default.styletalk.character_io")
chars = np.load(chars_path)
scene = bpy.context.scene
scene.render.fps, scene.styletalk.start_frame, scene.styletalk.curves_path = 30, 1, curves_path


def to_blender(v):
    """ICT's axes (face towards +Z, Y up) -> Blender's (towards -Y, Z up), centimetres -> metres."""
    v = np.asarray(v, np.float64) * 0.01
    return np.stack([v[..., 0], -v[..., 2], v[..., 1]], -1)


def character(name, verts, keys=None):
    polys = [[int(i) for i in f if i >= 0] for f in chars["faces"]]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(to_blender(verts).tolist(), [], polys if len(verts) > 3 else [])
    obj = bpy.data.objects.new(name, mesh)
    scene.collection.objects.link(obj)
    if keys:
        obj.shape_key_add(name="Basis", from_mix=False)
        for key, delta in keys.items():
            obj.shape_key_add(name=key, from_mix=False).data.foreach_set("co", to_blender(verts + delta).ravel())
    for other in bpy.context.view_layer.objects:
        other.select_set(False)
    obj.select_set(True)
    bpy.context.view_layer.objects.active = obj
    return obj


def state(obj):
    """What the user owns: the mesh data and everything else in the file."""
    co = np.empty(len(obj.data.vertices) * 3)
    obj.data.vertices.foreach_get("co", co)
    return {
        "co": hashlib.sha1(co.tobytes()).hexdigest(),
        "polys": len(obj.data.polygons),
        "objects": len(bpy.data.objects),
        "actions": len(bpy.data.actions),
        "keys": [k.name for k in obj.data.shape_keys.key_blocks] if obj.data.shape_keys else [],
    }


def run(op) -> str:
    """The operator's result, or the ERROR line it reported (bpy.ops raises it as a RuntimeError)."""
    try:
        return str(op())
    except RuntimeError as exc:
        return str(exc).strip().splitlines()[-1]


def keyed(obj, names):
    """(T, K) values of the object's new action, read from Blender's own F-curve evaluation."""
    action = obj.data.shape_keys.animation_data.action
    fcurves = (
        action.fcurves
        if not hasattr(action, "layers")
        else action.layers[0].strips[0].channelbag(obj.data.shape_keys.animation_data.action_slot).fcurves
    )
    by_path = {fc.data_path: fc for fc in fcurves}
    frames = range(scene.frame_start, scene.frame_end + 1)
    return np.array([[by_path[f'key_blocks["{n}"].value'].evaluate(f) for n in names] for f in frames])


def offsets(obj, names):
    rest = character_io.rest_positions(obj)
    out = []
    for n in names:
        co = np.empty(rest.size, np.float32)
        obj.data.shape_keys.key_blocks[n].data.foreach_get("co", co)
        out.append(co.reshape(-1, 3) - rest)
    return np.stack(out)


def evaluated(obj, frame):
    scene.frame_set(frame)
    mesh = obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh_clear()
    return co.reshape(-1, 3)


# Add StyleTalk Keys, then Import Curves on the character exactly as on our face
obj = character("Transfer", chars["transfer"])
before = state(obj)
res["transfer"] = run(bpy.ops.styletalk.transfer_keys)
names = [k.name for k in obj.data.shape_keys.key_blocks][1:]
res["transfer_keys"] = len(names)
res["transfer_fit"] = obj.get("styletalk_face_fit", "")
after = state(obj)
res["transfer_changed"] = sorted(k for k in after if after[k] != before[k])  # only "keys" (Basis + ours)
res["import"] = str(bpy.ops.styletalk.import_curves())
w = keyed(obj, names)
deltas = offsets(obj, names)
mid = int(np.argmax(np.abs(w).sum(1)))
predicted = character_io.rest_positions(obj) + np.einsum("k,kvc->vc", w[mid], deltas)
res["evaluated_matches_keys"] = float(np.abs(evaluated(obj, scene.frame_start + mid) - predicted).max())
np.savez(work / "transfer.npz", weights=w.astype(np.float32), deltas=deltas.astype(np.float32))
res["transfer_again"] = run(bpy.ops.styletalk.transfer_keys)

# Solve onto the character's own 53 keys, renamed so that no name can match (in 4.2 the keys go
# through the same key_into_scene the ARKit checks exercise there)
own = {f"shape_{i:02d}": d for i, d in enumerate(chars["expression_deltas"])}
if full:
    obj = character("Solve", chars["solve"], own)
    obj.data.shape_keys.key_blocks["shape_00"].keyframe_insert("value", frame=1)  # the user's own take
    obj.data.shape_keys.animation_data.action.name = "TheirTake"
    before = state(obj)
    res["solve"] = run(bpy.ops.styletalk.solve_keys)
    res["their_take_kept"] = "TheirTake" in bpy.data.actions and bpy.data.actions["TheirTake"].use_fake_user
    after = state(obj)
    res["solve_keys_unchanged"] = after["keys"] == before["keys"] and after["co"] == before["co"]
    res["solve_actions_added"] = after["actions"] - before["actions"]
    np.savez(work / "solve.npz", weights=keyed(obj, list(own)).astype(np.float32))

if full:
    # the fallback: our face mask, placed by hand (here: on five of ICT's 68 landmarks, as a user would
    # by eye), snapped onto the surface
    obj = character("Masked", chars["transfer"])
    res["add_mask"] = run(bpy.ops.styletalk.add_face_mask)
    mask = scene.styletalk_character.mask
    ours = np.empty(468 * 3)
    mask.data.vertices.foreach_get("co", ours)
    ours = ours.reshape(-1, 3)[[33, 263, 1, 61, 291]]  # eye corners, nose tip, mouth corners
    theirs = to_blender(chars["transfer"][chars["landmarks"][[36, 45, 30, 48, 54]]])
    s = np.ptp(theirs[:, 0]) / np.ptp(ours[:, 0])
    t = theirs.mean(0) - s * ours.mean(0)
    t[1] = theirs[:, 1].min() - 0.05  # in front of the face
    mask.matrix_world = Matrix(((s, 0, 0, t[0]), (0, s, 0, t[1]), (0, 0, s, t[2]), (0, 0, 0, 1)))
    bpy.context.view_layer.objects.active = obj
    res["masked"] = run(bpy.ops.styletalk.transfer_keys)
    names = [k.name for k in obj.data.shape_keys.key_blocks][1:] if obj.data.shape_keys else []
    res["masked_keys"] = len(names)
    res["masked_fit"] = obj.get("styletalk_face_fit", "")
    if names:
        np.savez(work / "masked.npz", deltas=offsets(obj, names).astype(np.float32))
    scene.styletalk_character.mask = None

# not faces: each is reported and nothing in the file changes
bad = {"cube": None, "turned": chars["turned"], "points": chars["transfer"][:3]}
if not full:
    bad.pop("turned")
for name, verts in bad.items():
    if verts is None:
        bpy.ops.mesh.primitive_cube_add()
        obj = bpy.context.active_object
    else:
        obj = character(name, verts)
    before = state(obj)
    res[f"{name}_report"] = run(bpy.ops.styletalk.transfer_keys)
    res[f"{name}_unchanged"] = state(obj) == before
print("RESULTS " + json.dumps(res), flush=True)
sys.stdout.flush()
os._exit(0)
