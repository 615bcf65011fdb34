"""Driven by tests/test_real_clients.py in a fresh interpreter with real bpy: the add-on exports our
face's animation as .glb and FBX, then Blender's own glTF and FBX importers read those files and
the .glb files given, each into an empty scene. Saves, per file, the rest positions and the
evaluated world-space vertices of its animated mesh at every frame of its animation
(import_<name>.npz), and prints RESULTS with what each importer made.
python export_checks.py ADDON_PARENT WORK CURVES [OTHER.glb ...]"""

import json
import os
import sys
from pathlib import Path

import bpy
import numpy as np

addon_parent, work, curves_path, *others = sys.argv[1:]
work = Path(work)
sys.path.insert(0, addon_parent)
from styletalk import actions, exports, face_mesh, keys  # noqa: E402
from styletalk.formats.curves import load_curves  # noqa: E402

version = bpy.app.version_string.split()[0]
res = {"blender": version}


def export_face() -> list[Path]:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    sc = bpy.context.scene
    sc.render.fps = 30
    data = load_curves(curves_path)
    face = face_mesh.create_face_object(bpy.context)
    actions.key_into_scene(sc, face, keys.shape_key_names(), data.exp, data.fps)
    paths = [work / f"addon_{version}.glb", work / f"addon_{version}.fbx"]
    for path in paths:
        exports.export_keyframes(face, str(path), path.suffix[1:])
    res["user_data_kept"] = [
        face.name,
        len(face.data.shape_keys.key_blocks),
        sorted(a.name for a in bpy.data.actions),
        [sc.frame_start, sc.frame_end],
        len(bpy.data.objects),
        len(bpy.data.meshes),
    ]
    return paths


def key_frames(obj) -> tuple[float, float]:
    """First and last keyframe of the mesh's shape-key animation, whatever the action API."""
    action = obj.data.shape_keys.animation_data.action
    if hasattr(action, "layers") and action.layers:
        fcurves = [
            fc for layer in action.layers for strip in layer.strips for bag in strip.channelbags for fc in bag.fcurves
        ]
    else:
        fcurves = list(action.fcurves)
    xs = [kp.co[0] for fc in fcurves for kp in fc.keyframe_points]
    return min(xs), max(xs)


def world_positions(mesh, world: np.ndarray) -> np.ndarray:
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    return co.reshape(-1, 3) @ world[:3, :3].T + world[:3, 3]


def read_back(path: Path) -> dict:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    sc = bpy.context.scene
    sc.render.fps, sc.render.fps_base = 30, 1.0
    if path.suffix == ".fbx":
        bpy.ops.import_scene.fbx(filepath=str(path), anim_offset=0.0)  # the file's own times (default: +1 frame)
    else:
        bpy.ops.import_scene.gltf(filepath=str(path))
    meshes = [o for o in bpy.data.objects if o.type == "MESH" and o.data.shape_keys]
    obj = meshes[0]
    first, last = key_frames(obj)
    frames = np.arange(int(round(first)), int(round(last)) + 1)
    world = np.array(obj.matrix_world)
    rest = world_positions(obj.data, world)
    out = np.empty((len(frames), len(rest), 3), np.float32)
    for i, f in enumerate(frames):
        sc.frame_set(int(f))
        out[i] = world_positions(obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).data, world)
    np.savez(work / f"import_{version}_{path.stem}{path.suffix.replace('.', '_')}.npz", rest=rest, frames=out)
    blocks = obj.data.shape_keys.key_blocks
    sliders = [(b.slider_min, b.slider_max) for b in blocks]
    return {
        "objects": len(bpy.data.objects),
        "keys": len(blocks) - 1,
        "first_frame": first,
        "frames": len(frames),
        "slider_min": min(lo for lo, _ in sliders),
        "slider_max": max(hi for _, hi in sliders),
    }


for path in [*export_face(), *map(Path, others)]:
    res[path.name] = read_back(path)
print("RESULTS " + json.dumps(res), flush=True)
os._exit(0)  # bpy 4.2.0 from PyPI segfaults in its EGL teardown at interpreter exit; the checks are done
