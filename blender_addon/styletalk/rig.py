"""The bpy side of Any Character: the whole character (the selected meshes, or the active object's
hierarchy) out to the toolkit in world space, our face mask or landmarks placed over it by hand, and the toolkit's
additions back in as shape keys. Nothing here changes the user's meshes beyond the keys it adds."""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Matrix, Vector

from . import compat, keys
from .formats.character import AXES, Additions, Character, Part, save_character
from .formats.errors import InputError
from .formats.placed import PLACED_POINTS
from .scene import FACE_MODEL, shape_key_names_of

MASK_NAME = "StyleTalk Face Mask"
LANDMARKS_NAME = "StyleTalk Landmarks"
LANDMARK_PREFIX = "StyleTalk "  # + a landmark's name (formats.placed), on each empty
MASK_VERTICES = 468


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


def _axis_frame(front: str, up: str) -> Matrix:
    """Rotation taking our face's frame (looking along -Y, Z up) to the character's (looking along
    `front`, `up` up), in world space."""
    f, u = Vector(AXES[front]), Vector(AXES[up])
    if abs(f.dot(u)) > 0:
        raise InputError(f"front {front} and up {up} must be perpendicular")
    side = u.cross(f)  # where our +X (the face's left, seen from the front) goes
    return Matrix((side, -f, u)).transposed().to_4x4()


def _head_box(rest: np.ndarray, up: np.ndarray, side: np.ndarray) -> np.ndarray:
    """The points of the character's head: a standing figure's top (its top 15% along `up`, when that
    is narrow beside the whole), else all of them (a head or a bust)."""
    height = rest @ up
    top = rest[height >= height.max() - 0.15 * np.ptp(height)]
    return top if np.ptp(top @ side) < 0.5 * np.ptp(rest @ side) else rest


def _face_frame(obj, front: str, up: str, face_width: float) -> Matrix:
    """Where our face (in Blender units, looking along -Y) goes in front of the character's head, about
    its width: the world matrix Add Face Mask and Place Landmarks start from."""
    world = np.asarray(obj.matrix_world)
    rest = rest_positions(obj) @ world[:3, :3].T + world[:3, 3]
    rot = _axis_frame(front, up)
    side, fwd = np.abs(np.asarray(rot.col[0][:3])), np.asarray(AXES[front], float)
    head = _head_box(rest, np.asarray(AXES[up], float), side)
    lo, hi = head.min(0), head.max(0)
    centre = 0.5 * (lo + hi) + fwd * 0.5 * float(np.abs(fwd) @ (hi - lo)) * 1.05
    scale = 0.7 * float(side @ (hi - lo)) / face_width
    return Matrix.Translation(Vector(centre.tolist())) @ rot @ Matrix.Scale(scale, 4)


def _our_face() -> tuple[np.ndarray, np.ndarray]:
    with np.load(FACE_MODEL, allow_pickle=False) as z:
        return keys.face_vertices_to_blender(z["mean"], scale=1.0), z["triangles"]


def add_mask(context, obj, front: str, up: str) -> bpy.types.Object:
    """Our mean face as a wireframe mesh in front of the character's head, about its width; the user
    moves and scales it onto the face (the fallback when the face is not found on the render)."""
    verts, tris = _our_face()
    mesh = bpy.data.meshes.new(MASK_NAME)
    mesh.from_pydata(verts.tolist(), [], tris.tolist())
    mask = bpy.data.objects.new(MASK_NAME, mesh)
    context.collection.objects.link(mask)
    mask.display_type, mask.show_in_front = "WIRE", True
    mask.matrix_world = _face_frame(obj, front, up, float(np.ptp(verts[:, 0])))
    return mask


def add_landmarks(context, obj, front: str, up: str) -> bpy.types.Collection:
    """One labelled empty per landmark (formats.placed) in a new collection, where our face's points
    would be in front of the character's head; the user moves each onto the character's feature."""
    verts, _ = _our_face()
    frame = _face_frame(obj, front, up, float(np.ptp(verts[:, 0])))
    width = float(np.ptp(verts[:, 0])) * frame.to_scale()[0]
    collection = bpy.data.collections.new(LANDMARKS_NAME)
    context.scene.collection.children.link(collection)
    for name, index in PLACED_POINTS.items():
        empty = bpy.data.objects.new(f"{LANDMARK_PREFIX}{name}", None)
        empty.empty_display_type, empty.empty_display_size = "SPHERE", 0.02 * width
        empty.show_name = empty.show_in_front = True
        empty.location = frame @ Vector(verts[index].tolist())
        collection.objects.link(empty)
    return collection


def landmark_points(collection) -> dict[str, list[float]]:
    """The landmarks' world positions by name: the empties of `collection` named LANDMARK_PREFIX + a name
    (a landmark the user deleted is left out)."""
    if collection is None:
        return {}
    points = {}
    for o in collection.all_objects:
        name = o.name.removeprefix(LANDMARK_PREFIX)
        if o.name.startswith(LANDMARK_PREFIX) and name in PLACED_POINTS:
            points[name] = list(o.matrix_world.translation)
    return points


def mask_points(mask) -> np.ndarray:
    """The mask's 468 vertices in world space (where the character's parts are handed over)."""
    if mask is None or mask.type != "MESH" or len(mask.data.vertices) != MASK_VERTICES:
        raise InputError(f"the face mask must be the {MASK_VERTICES}-vertex mesh Add Face Mask makes")
    co = np.empty(MASK_VERTICES * 3, np.float64)
    mask.data.vertices.foreach_get("co", co)
    world = np.asarray(mask.matrix_world)
    return co.reshape(-1, 3) @ world[:3, :3].T + world[:3, 3]


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
