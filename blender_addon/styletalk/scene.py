"""The bpy layer's data work: face mesh with shape keys, bulk keyframes into a new action, exports."""

from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

from . import keys
from .formats.curves import Curves
from .formats.export import export_curves
from .formats.fileio import atomic_path
from .formats.layout import FPS, POSE_DIM

FACE_MODEL = Path(__file__).parent / "face_model.npz"  # packed beside the add-on by blender_addon/build.py
ARKIT_BASIS = Path(__file__).parent / "arkit_basis.npz"


def create_face_object(
    context, name: str = "StyleTalkFace", subdivision: int = 0, arkit: bool = False
) -> bpy.types.Object:
    """Mesh of the embedded face model with Basis + exp00..exp63 shape keys (±10 sliders), and with
    `arkit` the 52 ARKit shape keys too (so .glb/FBX exports carry ARKit morph targets)."""
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
    if arkit:
        with np.load(ARKIT_BASIS, allow_pickle=False) as z:
            for key_name, delta in zip(z["names"], z["basis"], strict=True):
                block = obj.shape_key_add(name=str(key_name), from_mix=False)
                block.data.foreach_set("co", keys.face_vertices_to_blender(mean + delta).ravel())
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
    """Our exp00..exp63 keys from (T, 64) curves (see write_key_animation)."""
    return write_key_animation(obj, keys.shape_key_names(exp.shape[1]), exp, frames, action_name)


def write_key_animation(obj, names: list[str], values: np.ndarray, frames: np.ndarray, action_name: str):
    """One new action (never overwriting an existing one) with a linear F-curve per named shape key
    (column j of `values` drives `names[j]`), written in bulk with foreach_set."""
    key_datablock = obj.data.shape_keys
    action = bpy.data.actions.new(keys.unique_name(action_name, set(bpy.data.actions.keys())))
    if key_datablock.animation_data is None:
        key_datablock.animation_data_create()
    fcurves = _new_fcurves(action, key_datablock, [keys.data_path(n) for n in names])
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    interp = np.full(len(frames), linear, dtype=np.int32)
    for fc, column in zip(fcurves, np.asarray(values).T, strict=True):
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", keys.keyframe_coords(frames, column))
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    return action


def key_into_scene(scene, obj, names: list[str], values: np.ndarray, fps: float, start: float, action_name: str):
    """Samples at `fps` -> keys on `names`, retimed to the scene's rate from frame `start`, in a new
    action; the scene's frame range becomes the animation's. Returns (scene frames, action)."""
    frames = keys.retime(len(values), fps, scene.render.fps / scene.render.fps_base, start)
    action = write_key_animation(obj, names, values, frames, action_name)
    scene.frame_start, scene.frame_end = keys.frame_range(frames)
    return frames, action


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


def sampled_curves(obj, fps_out: float) -> Curves:
    """The active animation over the scene's frame range, sampled at `fps_out`, as curves (with the
    pose stored on the object at import, when it covers every sample)."""
    scene = bpy.context.scene
    step = scene.render.fps / scene.render.fps_base / fps_out
    frames = np.arange(scene.frame_start, scene.frame_end + 1e-6, step)
    exp = sampled_values(obj, frames)
    pose = obj.get("styletalk_pose")
    if pose is not None:
        pose = np.asarray(pose, dtype=np.float32).reshape(-1, POSE_DIM)[: len(exp)]
        pose = pose if len(pose) == len(exp) else None
    return Curves(exp=exp, pose=pose, fps=fps_out, meta={"source": f"Blender object {obj.name}"})


def export_keyframes(obj, path: str, fmt: str, fps_out: float = FPS) -> int:
    """Write the object's animation: CSV / JSON / official .npy in the toolkit's own layout (sampled
    at the curves rate), or the mesh with its morph-target animation as glTF binary / FBX."""
    if fmt in ("npy", "csv", "json"):
        curves = sampled_curves(obj, fps_out)
        export_curves(curves, path, fmt, source=obj.name)
        return curves.frames
    if fmt == "glb":
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
    scene = bpy.context.scene
    return scene.frame_end - scene.frame_start + 1


def _export_scene(obj, path: str, run) -> None:
    _select_only(bpy.context.view_layer, obj)
    with atomic_path(path) as tmp:
        run(str(tmp))


def shape_key_names_of(obj) -> list[str]:
    """The object's shape keys, without the reference (Basis) key."""
    if obj.type != "MESH" or obj.data.shape_keys is None:
        return []
    ref = obj.data.shape_keys.reference_key
    return [k.name for k in obj.data.shape_keys.key_blocks if k != ref]


def keyed_columns(
    mapping: dict[str, list[str]], weights: np.ndarray, arkit_names: tuple[str, ...]
) -> tuple[list[str], np.ndarray]:
    """Shape-key names and their (T, n) values from ARKit weights and a {ARKit name: [keys]} mapping."""
    names, columns = [], []
    for arkit, targets in mapping.items():
        for key in targets:
            names.append(key)
            columns.append(weights[:, arkit_names.index(arkit)])
    return names, np.stack(columns, 1) if columns else np.zeros((len(weights), 0), np.float32)
