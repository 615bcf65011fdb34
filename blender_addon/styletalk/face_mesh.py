"""Our face as a Blender mesh: the face model's mean with its 64 expression shape keys, and which
keys a mesh has."""

from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

from . import keys
from .formats.face_file import face_arrays, key_basis

FACE_MODEL = Path(__file__).parent / "face_model.npz"  # packed beside the add-on by blender_addon/build.py
ARKIT_BASIS = Path(__file__).parent / "arkit_basis.npz"


def create_face_object(
    context, name: str = "StyleTalkFace", subdivision: int = 0, arkit: bool = False
) -> bpy.types.Object:
    """Mesh of the embedded face model with Basis + exp00..exp63 shape keys (±10 sliders), and with
    `arkit` the 52 ARKit shape keys too (so .glb/FBX exports carry ARKit morph targets)."""
    face = face_arrays(FACE_MODEL)
    mean, basis, tris = face["mean"], face["basis"], face["triangles"]
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
        for key_name, delta in zip(*key_basis(ARKIT_BASIS), strict=True):
            block = obj.shape_key_add(name=key_name, from_mix=False)
            block.data.foreach_set("co", keys.face_vertices_to_blender(mean + delta).ravel())
    if subdivision > 0:
        mod = obj.modifiers.new("Subdivision", "SUBSURF")
        mod.levels = mod.render_levels = subdivision
    select_only(context.view_layer, obj)
    return obj


def select_only(view_layer, obj) -> None:
    """`obj` selected and active, nothing else selected."""
    for other in view_layer.objects.selected:
        other.select_set(False)
    obj.select_set(True)
    view_layer.objects.active = obj


def missing_shape_keys(obj) -> list[str]:
    names = keys.shape_key_names()
    have = set(obj.data.shape_keys.key_blocks.keys()) if obj.data.shape_keys else set()
    return [n for n in names if n not in have]


def shape_key_names_of(obj) -> list[str]:
    """The object's shape keys, without the reference (Basis) key."""
    if obj.type != "MESH" or obj.data.shape_keys is None:
        return []
    ref = obj.data.shape_keys.reference_key
    return [k.name for k in obj.data.shape_keys.key_blocks if k != ref]
