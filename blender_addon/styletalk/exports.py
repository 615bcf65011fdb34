"""Keys out of the scene: the animation sampled at any rate, as curves and every curves output
(formats.outputs), and a unit-range copy for the files whose readers clamp weights."""

from __future__ import annotations

import contextlib

import bpy
import numpy as np

from . import keys
from .actions import playing_action, write_key_animation
from .face_mesh import select_only, shape_key_names_of
from .formats.curves import Curves
from .formats.fileio import atomic_path
from .formats.layout import FPS, POSE_DIM
from .formats.morph import unit_targets, unit_weights
from .formats.outputs import KINDS, curves_kinds, write_output


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
        select_only(bpy.context.view_layer, copy)
        try:
            with atomic_path(path) as tmp:
                run(str(tmp))
        finally:
            select_only(bpy.context.view_layer, obj)
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
    source_action = playing_action(obj)  # obj: the export operator's active face mesh
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
