"""The bpy side of Any Character's files: the whole character (the selected meshes, or the active
object's hierarchy) out to the toolkit in world space, and the toolkit's additions back in as shape
keys. Nothing here changes the user's meshes beyond the keys it adds."""

from __future__ import annotations

import bpy
import numpy as np

from . import compat, keys
from .face_mesh import shape_key_names_of
from .formats.character import Additions, Character, FaceFit, Part, save_character
from .formats.errors import InputError


def rest_positions(obj) -> np.ndarray:
    """(V, 3) object-space positions of the rest shape: the reference (Basis) key, or the vertices."""
    mesh = obj.data
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    if mesh.shape_keys is not None:
        mesh.shape_keys.reference_key.data.foreach_get("co", co)
    else:
        mesh.vertices.foreach_get("co", co)
    return co.reshape(-1, 3)


def triangles(obj) -> np.ndarray:
    loop_triangles = compat.fresh_loop_triangles(obj.data)
    tris = np.empty(len(loop_triangles) * 3, np.int32)
    loop_triangles.foreach_get("vertices", tris)
    return tris.reshape(-1, 3)


def require_surface(obj) -> None:
    if obj is None or obj.type != "MESH":
        raise InputError("select the character's mesh first (no active mesh)")
    if len(obj.data.vertices) < 3 or len(obj.data.polygons) == 0:
        raise InputError(
            f"{obj.name}: has {len(obj.data.vertices)} vertices and {len(obj.data.polygons)} faces: "
            "not a surface a face can be found on"
        )


def character_objects(context, obj) -> list:
    """The character's meshes: the selected ones when several are selected (the active one among
    them), else every mesh in the active object's hierarchy (from its topmost parent down)."""
    selected = [o for o in context.selected_objects if o.type == "MESH" and o is not obj]
    if selected:
        return [obj, *selected]
    root = obj
    while root.parent is not None:
        root = root.parent
    return [obj, *(o for o in [root, *root.children_recursive] if o.type == "MESH" and o is not obj)]


def _part(obj, with_keys: bool) -> Part:
    matrix = np.array(obj.matrix_world, np.float64)
    rest = rest_positions(obj).astype(np.float64)
    names = shape_key_names_of(obj) if with_keys else []
    targets = []
    for name in names:
        co = np.empty(rest.size, np.float32)
        obj.data.shape_keys.key_blocks[name].data.foreach_get("co", co)
        targets.append(((co.reshape(-1, 3) - rest) @ matrix[:3, :3].T).astype(np.float32))
    return Part(
        obj.name,
        rest @ matrix[:3, :3].T + matrix[:3, 3],
        triangles(obj).astype(np.int64),
        matrix,
        tuple(names),
        np.stack(targets) if targets else None,
        tuple(s.material.name for s in obj.material_slots if s.material),
        (),
    )


def export_character(context, obj, path: str, with_keys: bool) -> list[str]:
    """The character around `obj` (its face skin) to `path` (.npz) in world space, with its meshes'
    shape keys when `with_keys` (a solve animates the parts with keys named as the face's alike);
    returns `obj`'s key names."""
    require_surface(obj)
    parts = [_part(o, with_keys) for o in character_objects(context, obj)]
    parts = [p for p in parts if len(p.triangles)]
    parts[0].role = "face"  # the active object is the face skin; the toolkit tells the others apart
    save_character(Character(obj.name, parts, {o.name: o.type for o in context.scene.objects}), path)
    return list(parts[0].target_names)


def _check_additions(obj, add: Additions) -> None:
    """Refuses (before anything changes) additions that would replace a key or miss the mesh."""
    if obj is None or obj.type != "MESH":
        raise InputError(f"{add.part} is no longer a mesh in the scene (renamed or deleted while the toolkit ran)")
    clash = sorted(set(add.names) & set(shape_key_names_of(obj)))
    if clash:
        raise InputError(f"{obj.name} already has a shape key {clash[0]}: remove our keys before transferring again")
    if len(add.indices) and add.indices.max() >= len(obj.data.vertices):
        raise InputError(
            f"{obj.name} has {len(obj.data.vertices)} vertices, fewer than the toolkit's result was made for"
        )


def add_shape_keys(obj, add: Additions) -> None:
    """The additions' new shape keys = rest + offset at the vertices that move (a Basis first when the
    mesh has none); never replaces one."""
    _check_additions(obj, add)
    rest = rest_positions(obj)
    if obj.data.shape_keys is None:
        obj.shape_key_add(name="Basis", from_mix=False)
    for name, offset in zip(add.names, add.offsets, strict=True):
        block = obj.shape_key_add(name=name, from_mix=False)
        if name.startswith("exp"):
            block.slider_min, block.slider_max = -keys.SLIDER_RANGE, keys.SLIDER_RANGE
        co = rest.copy()
        co[add.indices] += offset
        block.data.foreach_set("co", co.astype(np.float32).ravel())


def add_character_keys(face, adds: list[Additions]) -> list[str]:
    """The toolkit's keys on the face (adds[0]) and on the parts that go with its jaw (the others, by
    name), each of those parts' keys driven by the face's key of the same name, so whatever animates
    the face (Import Curves, Generate, the user's keys) moves the teeth with it. All checked before
    anything changes. Returns the names of the parts that follow."""
    followers = [(bpy.data.objects.get(a.part), a) for a in adds[1:]]
    for obj, add in [(face, adds[0]), *followers]:
        _check_additions(obj, add)
    add_shape_keys(face, adds[0])
    for obj, add in followers:
        add_shape_keys(obj, add)
        for name in add.names:
            block = obj.data.shape_keys.key_blocks[name]
            source = face.data.shape_keys.key_blocks[name]
            block.slider_min, block.slider_max = source.slider_min, source.slider_max
            driver = block.driver_add("value").driver
            driver.type = "AVERAGE"  # no Python expression: runs without auto-run scripts
            var = driver.variables.new()
            var.type = "SINGLE_PROP"
            var.targets[0].id_type = "KEY"
            var.targets[0].id = face.data.shape_keys
            var.targets[0].data_path = keys.data_path(name)
    return [obj.name for obj, _ in followers]


def face_fit_note(obj, result: Additions) -> str:
    """How the face was found and how well it fits ours (the face part's additions), shown and kept on
    the object."""
    fit = FaceFit.of(result.extras)
    text = fit.describe() if fit is not None else "face found (no record of how)"
    obj["styletalk_face_fit"] = text
    return text
