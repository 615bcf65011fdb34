"""The bpy layer's data work: face mesh with shape keys, bulk keyframes into a new action, exports."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import bpy
import numpy as np

from . import keys

# packed into the extension zip by scripts/build_addon.py; the repository copy when run from a checkout
FACE_MODEL = next(
    p
    for p in (
        Path(__file__).parent / "face_model.npz",
        Path(__file__).resolve().parents[2] / "styletalk_core" / "data" / "face_model.npz",
    )
    if p.exists()
)


def create_face_object(context, name: str = "StyleTalkFace", subdivision: int = 0) -> bpy.types.Object:
    """Mesh of the embedded face model with Basis + exp00..exp63 shape keys (±10 sliders)."""
    with np.load(FACE_MODEL, allow_pickle=False) as z:
        mean, basis, tris = z["mean"], z["basis"], z["triangles"]
    verts = keys.face_vertices_to_blender(mean)
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts.tolist(), [], tris.tolist())
    mesh.update()
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), dtype=bool))
    obj = bpy.data.objects.new(name, mesh)
    context.collection.objects.link(obj)
    obj.shape_key_add(name="Basis", from_mix=False)
    for i, key_name in enumerate(keys.shape_key_names(len(basis))):
        block = obj.shape_key_add(name=key_name, from_mix=False)
        block.slider_min, block.slider_max = -keys.SLIDER_RANGE, keys.SLIDER_RANGE
        block.data.foreach_set("co", keys.face_vertices_to_blender(mean + basis[i]).ravel())
    if subdivision > 0:
        mod = obj.modifiers.new("Subdivision", "SUBSURF")
        mod.levels = mod.render_levels = subdivision
    _select_only(context.view_layer, obj)
    return obj


def _select_only(view_layer, obj) -> None:
    """`obj` selected and active, nothing else selected."""
    for other in view_layer.objects.selected:
        other.select_set(False)
    obj.select_set(True)
    view_layer.objects.active = obj


def missing_shape_keys(obj) -> list[str]:
    names = keys.shape_key_names()
    have = set(obj.data.shape_keys.key_blocks.keys()) if obj.data.shape_keys else set()
    return [n for n in names if n not in have]


def _new_fcurves(action, key_datablock, paths: list[str]):
    """F-curves for `paths` in `action`: Blender 4.4+ layered actions (slot, layer, keyframe strip,
    channelbag), or the legacy Action.fcurves of 4.2/4.3."""
    if hasattr(action, "layers"):
        slot = action.slots.new(id_type="KEY", name=key_datablock.name)
        strip = action.layers.new("Layer").strips.new(type="KEYFRAME")
        channelbag = strip.channelbag(slot, ensure=True)
        key_datablock.animation_data.action = action
        key_datablock.animation_data.action_slot = slot
        return [channelbag.fcurves.new(p) for p in paths]
    key_datablock.animation_data.action = action
    return [action.fcurves.new(p) for p in paths]


def write_shape_key_animation(obj, exp: np.ndarray, frames: np.ndarray, action_name: str):
    """One new action (never overwriting an existing one) with a linear F-curve per shape key,
    written in bulk with foreach_set."""
    key_datablock = obj.data.shape_keys
    action = bpy.data.actions.new(keys.unique_name(action_name, set(bpy.data.actions.keys())))
    if key_datablock.animation_data is None:
        key_datablock.animation_data_create()
    names = keys.shape_key_names(exp.shape[1])
    fcurves = _new_fcurves(action, key_datablock, [keys.data_path(n) for n in names])
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    interp = np.full(len(frames), linear, dtype=np.int32)
    for fc, column in zip(fcurves, exp.T, strict=True):
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", keys.keyframe_coords(frames, column))
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    return action


def add_sound_strip(scene, audio: str, start: int) -> None:
    if scene.sequence_editor is None:
        scene.sequence_editor_create()
    editor = scene.sequence_editor
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences  # renamed in 4.4
    strips.new_sound(Path(audio).stem, audio, channel=1, frame_start=start)


def sampled_values(obj, frames: np.ndarray) -> np.ndarray:
    """Evaluate exp00..exp63 at scene frames (integer part + subframe) -> (N, 64)."""
    scene = bpy.context.scene
    blocks = obj.data.shape_keys.key_blocks
    names = keys.shape_key_names()
    out = np.empty((len(frames), len(names)), dtype=np.float32)
    for i, f in enumerate(frames):
        scene.frame_set(int(np.floor(f)), subframe=float(f - np.floor(f)))
        out[i] = [blocks[n].value for n in names]
    return out


def _atomic(path: str, write) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; exports get normal permissions
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export_keyframes(obj, path: str, fmt: str, fps_out: float = 30.0) -> int:
    """Sample the active animation at the curves rate and write CSV / JSON / official-style .npy
    (exp only: (T, 64), or (T, 73) when `pose` is stored on the object)."""
    scene = bpy.context.scene
    start, end = scene.frame_start, scene.frame_end
    step = scene.render.fps / scene.render.fps_base / fps_out
    frames = np.arange(start, end + 1e-6, step)
    exp = sampled_values(obj, frames)
    if fmt == "npy":
        pose = obj.get("styletalk_pose")
        arr = exp
        if pose is not None:
            pose = np.asarray(pose, dtype=np.float32).reshape(-1, 9)[: len(exp)]
            if len(pose) == len(exp):
                arr = np.concatenate([exp, pose], axis=1)
        _atomic(path, lambda tmp: np.save(tmp, arr.astype(np.float32)))
    elif fmt == "csv":

        def write_csv(tmp):
            with open(tmp, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["frame", "time"] + keys.shape_key_names())
                for f_, row in zip(frames, exp, strict=True):
                    w.writerow([f"{f_:.4f}", f"{(f_ - start) / fps_out / step:.6f}"] + [f"{v:.7g}" for v in row])

        _atomic(path, write_csv)
    elif fmt == "json":
        doc = {"fps": fps_out, "frames": len(exp), "exp_names": keys.shape_key_names(), "exp": exp.tolist()}
        _atomic(path, lambda tmp: Path(tmp).write_text(json.dumps(doc)))
    elif fmt == "glb":
        _export_scene(obj, path, lambda tmp: bpy.ops.export_scene.gltf(
            filepath=tmp, export_format="GLB", use_selection=True, export_animations=True,
            export_morph=True, export_morph_animation=True))  # fmt: skip
    elif fmt == "fbx":
        # "all actions" mode only walks object actions and drops shape-key animation: bake the scene
        _export_scene(obj, path, lambda tmp: bpy.ops.export_scene.fbx(
            filepath=tmp, use_selection=True, bake_anim=True, object_types={"MESH"},
            bake_anim_use_all_actions=False, bake_anim_use_nla_strips=False))  # fmt: skip
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return len(exp)


def _export_scene(obj, path: str, run) -> None:
    _select_only(bpy.context.view_layer, obj)
    _atomic(path, run)
