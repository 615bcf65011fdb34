"""Import a character file with Blender's own importer and print what a user would see in it, as one
JSON line: `SCENE {...}`. With a third argument OBJECT, also save OBJECT's rest positions (world
space), shape-key offsets and the shape-key values every 1/30 s of its action to the .npz named by
the fourth argument. Run: python scene_probe.py FILE [OBJECT OUT.npz]."""

import json
import os
import sys
from pathlib import Path

import bpy
import numpy as np


def import_file(path: str) -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ext = Path(path).suffix.lower()
    if ext in (".glb", ".gltf"):
        bpy.ops.import_scene.gltf(filepath=path)
    elif ext == ".fbx":
        bpy.ops.import_scene.fbx(filepath=path)
    else:
        bpy.ops.wm.obj_import(filepath=path)


def describe(obj) -> dict:
    out = {"type": obj.type, "parent": obj.parent.name if obj.parent else ""}
    if obj.type == "MESH":
        mesh = obj.data
        keys = mesh.shape_keys
        out |= {
            "mesh": mesh.name,
            "vertices": len(mesh.vertices),
            "materials": [s.material.name for s in obj.material_slots if s.material],
            "uv_layers": [uv.name for uv in mesh.uv_layers],
            "shape_keys": [b.name for b in keys.key_blocks][1:] if keys else [],
            "animated": bool(keys and keys.animation_data and keys.animation_data.action),
            "action": getattr(keys.animation_data.action, "name", "") if keys and keys.animation_data else "",
            "armature": next((m.object.name for m in obj.modifiers if m.type == "ARMATURE" and m.object), "")
            or (obj.parent.name if obj.parent and obj.parent.type == "ARMATURE" else ""),
        }
    if obj.type == "ARMATURE":
        out["bones"] = len(obj.data.bones)
    return out


def sample(obj, path: str) -> None:
    scene = bpy.context.scene
    keys = obj.data.shape_keys
    n = len(obj.data.vertices)
    rest = np.empty(n * 3, np.float32)
    keys.reference_key.data.foreach_get("co", rest)
    blocks = list(keys.key_blocks)[1:]
    offsets = []
    for b in blocks:
        co = np.empty(n * 3, np.float32)
        b.data.foreach_get("co", co)
        offsets.append((co - rest).reshape(-1, 3))
    action = keys.animation_data.action
    start, end = action.frame_range
    fps = scene.render.fps / scene.render.fps_base
    values = []
    for k in range(int(round((end - start) / fps * RATE)) + 1):  # every 1/RATE s, whatever the scene's rate
        frame = start + k * fps / RATE
        scene.frame_set(int(frame), subframe=frame - int(frame))
        values.append([b.value for b in blocks])
    world = np.array(obj.matrix_world)
    rest = rest.reshape(-1, 3) @ world[:3, :3].T + world[:3, 3]
    np.savez(
        path,
        rest=rest,
        offsets=np.stack(offsets) @ world[:3, :3].T,
        values=np.array(values),
        names=np.array([b.name for b in blocks]),
        start=start,
        fps=fps,
    )


RATE = 30.0
import_file(sys.argv[1])
scene = {o.name: describe(o) for o in bpy.context.scene.objects}
print(
    "SCENE " + json.dumps({"objects": scene, "images": len(bpy.data.images), "actions": len(bpy.data.actions)}),
    flush=True,
)
if len(sys.argv) > 3:
    sample(bpy.data.objects[sys.argv[2]], sys.argv[3])
sys.stdout.flush()
os._exit(0)
