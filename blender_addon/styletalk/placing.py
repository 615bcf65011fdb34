"""Our face mask or landmarks, placed over a character by hand in the scene, and read back as the
points the toolkit fits."""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Matrix, Vector

from . import keys
from .character_io import rest_positions
from .face_mesh import FACE_MODEL
from .formats.character import AXES
from .formats.errors import InputError
from .formats.face_file import face_arrays
from .formats.placed import PLACED_POINTS

MASK_NAME = "StyleTalk Face Mask"
LANDMARKS_NAME = "StyleTalk Landmarks"
LANDMARK_PREFIX = "StyleTalk "  # + a landmark's name (formats.placed), on each empty
MASK_VERTICES = 468


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
    face = face_arrays(FACE_MODEL)
    return keys.face_vertices_to_blender(face["mean"], scale=1.0), face["triangles"]


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
