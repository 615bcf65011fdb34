"""The bpy layer's data work: face mesh with shape keys, bulk keyframes into a new action, exports."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import bpy
import numpy as np

from . import compat, keys
from .formats import export  # noqa: F401 (registers the curves outputs)
from .formats.curves import Curves
from .formats.errors import StyleTalkError
from .formats.fileio import atomic_path
from .formats.layout import FPS, POSE_DIM
from .formats.morph import unit_targets, unit_weights
from .formats.outputs import KINDS, curves_kinds, write_output

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


def write_shape_key_animation(obj, exp: np.ndarray, frames: np.ndarray, action_name: str):
    """Our exp00..exp63 keys from (T, 64) curves (see write_key_animation)."""
    return write_key_animation(obj, keys.shape_key_names(exp.shape[1]), exp, frames, action_name)


def write_key_animation(obj, names: list[str], values: np.ndarray, frames: np.ndarray, action_name: str):
    """One new action (never overwriting an existing one) with a linear F-curve per named shape key
    (column j of `values` drives `names[j]`), written in bulk with foreach_set."""
    key_datablock = obj.data.shape_keys
    playing = playing_action(obj)
    if playing is not None:  # the user's own take: no longer played, kept in the action list (not dropped on save)
        playing.use_fake_user = True
    action = bpy.data.actions.new(keys.unique_name(action_name, set(bpy.data.actions.keys())))
    fcurves = compat.new_fcurves(action, key_datablock, [keys.data_path(n) for n in names])
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    interp = np.full(len(frames), linear, dtype=np.int32)
    for fc, column in zip(fcurves, np.asarray(values).T, strict=True):
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", keys.keyframe_coords(frames, column))
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    return action


def playing_action(obj):
    """The action `obj`'s shape keys play, or None (what a new action of ours replaces, and keeps:
    write_key_animation)."""
    anim = obj.data.shape_keys.animation_data if obj.data.shape_keys else None
    return anim.action if anim else None


def kept_note(theirs) -> str:
    """What a report adds when a new action replaced `theirs` (the action played before, or None)."""
    return f"; your action {theirs.name} is kept in the Action list (fake user), no longer played" if theirs else ""


@dataclass(frozen=True)
class Keying:
    """Where keys go: from scene frame `start`, in a new action named `action_name` (never overwriting one)."""

    start: float = 1.0
    action_name: str = "StyleTalk"


def key_into_scene(scene, obj, names: list[str], values: np.ndarray, fps: float, keying: Keying | None = None):
    """Samples at `fps` -> keys on `names`, retimed to the scene's rate from frame keying.start, in a new
    action; the scene's frame range becomes the animation's. Returns (scene frames, action)."""
    keying = keying or Keying()
    start, action_name = keying.start, keying.action_name
    frames = keys.retime(len(values), fps, scene.render.fps / scene.render.fps_base, start)
    if frames[0] < 0 or frames[-1] > keys.MAX_FRAME:
        raise StyleTalkError(
            f"the animation would run from frame {frames[0]:.0f} to {frames[-1]:.0f}; Blender's "
            f"frames are 0 to {keys.MAX_FRAME} (choose another start frame)"
        )
    action = write_key_animation(obj, names, values, frames, action_name)
    scene.frame_start, scene.frame_end = keys.frame_range(frames)
    return frames, action


def key_batch(scene, obj, takes: list, start: float, gap: int, nla: bool) -> list[str]:
    """One action per (take id, Curves) on our expression keys, named by the id (never overwriting one),
    kept with a fake user. With `nla`, also a strip per take on a new NLA track, one after another
    `gap` frames apart, and no active action, so the track plays; else every action starts at `start`
    and the first is active. Returns the actions' names. All takes or none: a take that fails removes
    the actions made before it and gives the face back its action."""
    fps = scene.render.fps / scene.render.fps_base
    written, strips, at = [], [], float(start)
    before = set(bpy.data.actions)
    anim = obj.data.shape_keys.animation_data if obj.data.shape_keys else None
    was = (anim.action, getattr(anim, "action_slot", None)) if anim else (None, None)
    try:
        for take_id, curves in takes:
            frames = keys.retime(len(curves.exp), curves.fps, fps, math.ceil(at) if nla else start)
            if frames[-1] > keys.MAX_FRAME:
                raise StyleTalkError(f"take {take_id} would end at frame {frames[-1]:.0f}, past Blender's last frame")
            action = write_shape_key_animation(obj, curves.exp, frames, take_id)
            action.use_fake_user = True  # kept in the action list when no strip or object uses it
            written.append(action)
            strips.append(keys.frame_range(frames))
            at = frames[-1] + gap
    except BaseException:
        _give_back(obj.data.shape_keys.animation_data, *was)
        for action in [a for a in bpy.data.actions if a not in before]:
            bpy.data.actions.remove(action)
        raise
    anim = obj.data.shape_keys.animation_data
    if nla:
        track = anim.nla_tracks.new()
        track.name = "StyleTalk batch"
        for action, (first, _) in zip(written, strips, strict=True):
            track.strips.new(action.name, first, action)
        anim.action = None
    else:
        compat.assign_action(anim, written[0])
    ranges = strips if nla else strips[:1]
    scene.frame_start, scene.frame_end = ranges[0][0], max(last for _, last in ranges)
    return [a.name for a in written]


def _give_back(anim, action, slot) -> None:
    """The animation data `anim` playing `action` (through `slot`, Blender 4.4+) again."""
    if anim is None:
        return
    anim.action = action
    if action is not None and slot is not None:
        with contextlib.suppress(AttributeError, TypeError, RuntimeError):
            anim.action_slot = slot


def add_sound_strip(scene, audio: str, start: int) -> None:
    compat.sound_strips(scene).new_sound(Path(audio).stem, audio, channel=1, frame_start=start)


def sampled_values(obj, frames: np.ndarray) -> np.ndarray:
    """Evaluate exp00..exp63 at scene frames (integer part + subframe) -> (N, 64)."""
    names = shape_key_names_of(obj)
    return key_values(obj, frames)[:, [names.index(n) for n in keys.shape_key_names()]]


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


# the mesh itself with its animation, through Blender's own exporters
MESH_EXPORTS = {"glb": ("glTF binary", "mesh + morph-target animation"), "fbx": ("FBX", "mesh + shape-key animation")}


def export_choices() -> list[tuple[str, str, str]]:
    """The Export menu: the toolkit's curves outputs (formats.outputs, as its CLI writes them), then
    the mesh exports."""
    curves = [(k.name, k.name, k.description) for k in curves_kinds()]
    return curves + [(name, label, text) for name, (label, text) in MESH_EXPORTS.items()]


def export_suffix(fmt: str) -> str:
    """The file suffix of an Export menu choice."""
    return f".{fmt}" if fmt in MESH_EXPORTS else KINDS[fmt].suffix


def export_keyframes(obj, path: str, fmt: str, fps_out: float = FPS) -> int:
    """Write the object's animation: a curves output (the curves file, CSV, JSON, the official .npy:
    sampled at the curves rate), or the mesh with its morph-target animation as glTF binary / FBX, from
    t = 0, with every weight within [0, 1] (see unit_range_copy)."""
    if fmt not in MESH_EXPORTS:
        curves = sampled_curves(obj, fps_out)
        write_output(curves, path, fmt, source=obj.name)
        return curves.frames
    if fmt == "glb":
        run = lambda tmp: bpy.ops.export_scene.gltf(  # noqa: E731
            filepath=tmp,
            export_format="GLB",
            use_selection=True,
            export_animations=True,
            export_morph=True,
            export_morph_animation=True,
            export_anim_slide_to_zero=True,
        )
    elif fmt == "fbx":
        # "all actions" mode only walks object actions and drops shape-key animation: bake the scene
        run = lambda tmp: bpy.ops.export_scene.fbx(  # noqa: E731
            filepath=tmp,
            use_selection=True,
            bake_anim=True,
            object_types={"MESH"},
            bake_anim_use_all_actions=False,
            bake_anim_use_nla_strips=False,
        )
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    with unit_range_copy(bpy.context, obj) as (copy, frames):
        _select_only(bpy.context.view_layer, copy)
        try:
            with atomic_path(path) as tmp:
                run(str(tmp))
        finally:
            _select_only(bpy.context.view_layer, obj)
    return frames


def key_values(obj, frames: np.ndarray) -> np.ndarray:
    """(N, K) values of the object's shape keys but the reference one (shape_key_names_of's order),
    evaluated at scene `frames` (integer part + subframe; actions, NLA and drivers alike); the
    current frame is restored."""
    scene, blocks = bpy.context.scene, obj.data.shape_keys.key_blocks
    ref = list(blocks).index(obj.data.shape_keys.reference_key)
    current, out = scene.frame_current, np.empty((len(frames), len(blocks)), np.float32)
    try:
        for i, f in enumerate(frames):
            scene.frame_set(int(np.floor(f)), subframe=float(f - np.floor(f)))
            blocks.foreach_get("value", out[i])
    finally:
        scene.frame_set(current)
    return np.delete(out, ref, axis=1)


def _key_co(block) -> np.ndarray:
    co = np.empty(len(block.data) * 3, np.float32)
    block.data.foreach_get("co", co)
    return co.reshape(-1, 3)


@contextlib.contextmanager
def unit_range_copy(context, obj):
    """A temporary copy of `obj`, under its name, whose keys play the object's animation over the
    scene's frame range from frame 0 with weights within [0, 1]: keys that leave [0, 1] become
    `_pos`/`_neg` pairs (formats.morph), since importers clamp signed weights. Yields (copy, frames);
    afterwards the object, its names, the scene's range and frame are as they were."""
    scene = context.scene
    frames = np.arange(scene.frame_start, scene.frame_end + 1)
    names = shape_key_names_of(obj)
    values = key_values(obj, frames) if names else np.zeros((len(frames), 0))
    split = unit_targets(names, values)
    source_action = _shape_key_action(obj)
    renamed = [d for d in (obj, obj.data, source_action) if d is not None]
    originals, old_range = [d.name for d in renamed], (scene.frame_start, scene.frame_end)
    copy = obj.copy()
    copy.data = obj.data.copy()
    copy.animation_data_clear()
    scene.collection.objects.link(copy)
    mesh, action = copy.data, None
    try:
        for d in renamed:
            d.name = f"{d.name}.export-source"
        copy.name, mesh.name = originals[0], originals[1]
        if names:
            action = _unit_range_keys(copy, names, split, unit_weights(split, values))
            action.name = originals[2] if source_action is not None else action.name
        scene.frame_start, scene.frame_end = 0, len(frames) - 1
        yield copy, len(frames)
    finally:
        scene.frame_start, scene.frame_end = old_range
        bpy.data.objects.remove(copy)
        bpy.data.meshes.remove(mesh)
        if action is not None:
            bpy.data.actions.remove(action)
        for d, n in zip(renamed, originals, strict=True):
            d.name = n


def _shape_key_action(obj):
    key = obj.data.shape_keys if obj.type == "MESH" else None
    return key.animation_data.action if key is not None and key.animation_data is not None else None


def _unit_range_keys(copy, names: list[str], split, weights: np.ndarray):
    """Replace the copy's signed keys by their unit-range targets and key those from frame 0."""
    key = copy.data.shape_keys
    key.animation_data_clear()
    blocks = key.key_blocks
    ref = _key_co(key.reference_key)
    deltas = {n: _key_co(blocks[n]) - _key_co(blocks[n].relative_key) for n in names}
    kept = {t.name for t in split}
    for n in names:
        if n not in kept:
            copy.shape_key_remove(blocks[n])
    for t in split:
        if t.name in blocks:
            continue
        block = copy.shape_key_add(name=t.name, from_mix=False)
        block.data.foreach_set("co", (ref + t.scale * deltas[names[t.source]]).ravel())
    frames = np.arange(len(weights), dtype=np.float64)
    return write_key_animation(copy, [t.name for t in split], weights, frames, "StyleTalk export")


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
