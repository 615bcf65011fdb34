"""Blender's own importers and exporters as the toolkit's mesh I/O. This module runs inside a Blender
Python process (`python -m styletalk_core.meshio.blender_side read|write ...`, started by
meshio.blender): it reads any character file into a formats.character.Character, and writes the
user's file back with a retarget's Additions. It prints `@@STAGE name` lines for progress and one
`@@ERROR message` line for a file it cannot use."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path

import bpy
import numpy as np

from ..children import PARENT_VARIABLE, die_with_parent
from ..formats.character import Additions, Character, Part, load_additions, save_character
from ..formats.errors import InputError, StyleTalkError
from .compat import all_fcurves, fresh_loop_triangles, has_layers, new_fcurves
from .precheck import load_gltf
from .references import resolve

# Blender's world (z up, faces look along -y) -> the character frame (glTF's: y up, faces along +z)
TO_CHARACTER = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]], np.float64)


class FileProblem(Exception):
    """A file Blender could not use: reported as one line."""


def stage(name: str) -> None:
    print(f"@@STAGE {name}", flush=True)


def open_scene(path: str) -> None:
    """An empty scene with `path` imported by Blender's importer for its format."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ext = Path(path).suffix.lower()
    try:
        if ext in (".glb", ".gltf"):
            result = bpy.ops.import_scene.gltf(filepath=path)
        elif ext == ".fbx":
            with textures_under_the_rule(Path(path)):
                result = bpy.ops.import_scene.fbx(filepath=path, use_image_search=False)
        elif ext == ".obj":
            result = bpy.ops.wm.obj_import(filepath=path)
        else:
            raise FileProblem(f"a character is a .glb, .gltf, .fbx or .obj file, not {ext!r}")
    except (
        RuntimeError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        MemoryError,
        RecursionError,
        UnicodeError,
        AssertionError,
        ZeroDivisionError,
    ) as exc:
        raise FileProblem(f"Blender's {ext[1:]} importer cannot read it: {_reason(exc)}") from None
    if "FINISHED" not in result:
        raise FileProblem(f"Blender's {ext[1:]} importer cannot read it")


@contextlib.contextmanager
def textures_under_the_rule(character: Path):
    """Blender's FBX importer loads each texture through bpy_extras.image_utils.load_image: every path
    it is about to load passes meshio.references' rule first (the precheck cannot list an FBX's
    references), and the importer's search through other folders is off. A refused texture is not
    loaded (the importer's operator would turn an exception into a traceback): it is raised after."""
    from bpy_extras import image_utils

    original, refused = image_utils.load_image, []

    def guard(candidate: str) -> str:
        try:
            resolve(candidate, character.parent, character, "texture")
        except InputError as exc:
            refused.append(str(exc).removeprefix(f"{character}: "))
            return os.path.join(os.devnull, "refused")  # never a file: a placeholder, nothing read
        return candidate

    def load_image(imagepath, dirname="", **options):
        return original(imagepath, dirname, **{**options, "recursive": False, "convert_callback": guard})

    image_utils.load_image = load_image
    try:
        yield
    finally:
        image_utils.load_image = original
    if refused:
        raise FileProblem(refused[0])


def _reason(exc: Exception) -> str:
    """The reason an importer gave, in one line: of a Python traceback inside Blender's report, only
    its last error line (not Blender's internal paths and frames)."""
    raw = str(exc)
    if "Traceback (most recent call last)" in raw:
        lines = [x.strip() for x in raw.splitlines() if x.strip()]
        errors = [x for x in lines if re.match(r"[A-Za-z_][\w.]*(Error|Exception)\b", x)]
        return " ".join((errors or lines[-1:] or ["an error in the importer"])[-1].split())[:300]
    text = " ".join(raw.split()).removeprefix("Error: ")
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def _triangles(mesh) -> np.ndarray:
    loop_triangles = fresh_loop_triangles(mesh)
    tris = np.empty(len(loop_triangles) * 3, np.int32)
    loop_triangles.foreach_get("vertices", tris)
    return tris.reshape(-1, 3).astype(np.int64)


def _co(block_data, n: int) -> np.ndarray:
    co = np.empty(n * 3, np.float32)
    block_data.foreach_get("co", co)
    return co.reshape(-1, 3)


def _rest(mesh) -> np.ndarray:
    keys = mesh.shape_keys
    return _co(keys.reference_key.data if keys else mesh.vertices, len(mesh.vertices))


def _armature(obj) -> str:
    for mod in obj.modifiers:
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object.name
    return obj.parent.name if obj.parent is not None and obj.parent.type == "ARMATURE" else ""


def _posed(obj, rest: np.ndarray) -> np.ndarray:
    """Object-space positions of a mesh an armature deforms, as the scene shows it (a skinned mesh's
    own vertices can lie anywhere, e.g. at the origin); other modifiers are left out of it."""
    others = [m for m in obj.modifiers if m.type != "ARMATURE" and m.show_viewport]
    keys = obj.data.shape_keys
    values = [(b, b.value) for b in keys.key_blocks] if keys else []
    try:
        for m in others:
            m.show_viewport = False
        for block, _ in values:
            block.value = 0.0
        depsgraph = bpy.context.evaluated_depsgraph_get()
        evaluated = obj.evaluated_get(depsgraph)
        mesh = evaluated.to_mesh()
        posed = _co(mesh.vertices, len(mesh.vertices)) if len(mesh.vertices) == len(rest) else rest
        evaluated.to_mesh_clear()
    finally:
        for m in others:
            m.show_viewport = True
        for block, value in values:
            block.value = value
    return posed.astype(np.float64)


def read_part(obj) -> Part:
    mesh = obj.data
    matrix = TO_CHARACTER @ np.array(obj.matrix_world, np.float64)
    rest = _rest(mesh).astype(np.float64)
    shown = _posed(obj, rest) if _armature(obj) else rest
    names, targets = [], []
    if mesh.shape_keys is not None:
        ref = mesh.shape_keys.reference_key
        for block in mesh.shape_keys.key_blocks:
            if block != ref:
                names.append(block.name)
                targets.append(((_co(block.data, len(rest)) - rest) @ matrix[:3, :3].T).astype(np.float32))
    return Part(
        name=obj.name,
        vertices=shown @ matrix[:3, :3].T + matrix[:3, 3],
        triangles=_triangles(mesh),
        matrix=matrix,
        target_names=tuple(names),
        targets=np.stack(targets) if targets else None,
        materials=tuple(s.material.name for s in obj.material_slots if s.material is not None),
        uv_layers=tuple(uv.name for uv in mesh.uv_layers),
        armature=_armature(obj),
    )


def read(path: str, out: str) -> None:
    stage("import")
    open_scene(path)
    stage("collect")
    scene_objects = list(bpy.context.scene.objects)
    # the glTF importer adds a mesh to draw bones with: not part of the character
    bone_shapes = {
        b.custom_shape for o in scene_objects if o.type == "ARMATURE" for b in o.pose.bones if b.custom_shape
    }
    parts = [read_part(o) for o in scene_objects if o.type == "MESH" and len(o.data.polygons) and o not in bone_shapes]
    objects = {o.name: o.type for o in scene_objects}
    stage("save")
    save_character(Character(path, parts, objects), out)


def animate(keyed: list[tuple[object, list[str], np.ndarray]], fps: float) -> None:
    """A linear key per frame from frame 0 at `fps` on each (object, shape key names, weights), in one
    new action "StyleTalk" (one glTF animation: a slot per object; Blender 4.2, an action each)."""
    scene = bpy.context.scene
    rate = max(1, round(fps))
    keep_seconds(fps / (scene.render.fps / scene.render.fps_base))
    scene.render.fps, scene.render.fps_base = rate, rate / fps
    scene.frame_start, scene.frame_end = 0, max(1, max(len(w) for _, _, w in keyed) - 1)
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    action = None
    for obj, names, weights in keyed:
        if action is None or not has_layers(action):
            action = bpy.data.actions.new("StyleTalk")
        paths = [f'key_blocks["{n}"].value' for n in names]
        frames = np.arange(len(weights), dtype=np.float32)
        for fc, column in zip(new_fcurves(action, obj.data.shape_keys, paths), weights.T, strict=True):
            fc.keyframe_points.add(len(frames))
            fc.keyframe_points.foreach_set("co", np.stack([frames, column.astype(np.float32)], 1).ravel())
            fc.keyframe_points.foreach_set("interpolation", np.full(len(frames), linear, np.int32))
            fc.update()


def keep_seconds(ratio: float) -> None:
    """The file's own actions keep their timing in seconds when the scene's frame rate becomes ours
    (`ratio`: ours over the scene's): each key and its handles move to their frame at the new rate.
    Blender's glTF importer placed them at the scene's rate and its exporter times frames at the
    scene's rate, so a 24 fps take would otherwise come out a quarter shorter."""
    if abs(ratio - 1.0) < 1e-9:
        return
    for action in list(bpy.data.actions):
        for fc in all_fcurves(action):
            points = fc.keyframe_points
            xy = np.empty(2 * len(points), np.float32)
            for attribute in ("co", "handle_left", "handle_right"):
                points.foreach_get(attribute, xy)
                xy[0::2] *= ratio
                points.foreach_set(attribute, xy)
            fc.update()


def add_keys(obj, add: Additions) -> None:
    mesh = obj.data
    existing = set(mesh.shape_keys.key_blocks.keys()) if mesh.shape_keys else set()
    clash = sorted(set(add.names) & existing)
    if clash:
        raise FileProblem(f"{obj.name} already has a shape key {clash[0]}: give the file without our keys")
    missing = sorted(set(add.animated) - existing - set(add.names))
    if missing:
        raise FileProblem(f"{obj.name} has no shape key {missing[0]} to animate")
    if len(add.indices) and add.indices.max() >= len(mesh.vertices):
        raise FileProblem(f"{obj.name} has {len(mesh.vertices)} vertices, fewer than the result was made for")
    if mesh.shape_keys is None:
        obj.shape_key_add(name="Basis", from_mix=False)
    rest = _rest(mesh)
    for name, offset in zip(add.names, add.offsets, strict=True):
        block = obj.shape_key_add(name=name, from_mix=False)
        block.slider_min, block.slider_max = -add.slider if add.slider > 1 else 0.0, add.slider
        co = rest.copy()
        co[add.indices] += offset
        block.data.foreach_set("co", co.ravel())


def _has_normals(source: str) -> bool:
    """Whether the source carries vertex normals: a glTF or OBJ without them is flat-shaded, and
    writing Blender's flat normals would split every vertex into one per triangle corner."""
    kind = Path(source).suffix.lower()
    if kind == ".obj":
        with open(source, "rb") as f:
            return any(line.startswith(b"vn ") for line in f)
    if kind not in (".glb", ".gltf"):
        return True
    doc, _ = load_gltf(Path(source), kind[1:])
    prims = [p for m in doc.get("meshes", []) for p in m.get("primitives", [])]
    return any("NORMAL" in p.get("attributes", {}) for p in prims)


def keep_vertex_normals() -> None:
    """glTF normals are one per vertex, but Blender keeps imported normals per face corner in a lossy
    encoding, so corners of one vertex come out slightly apart and the exporter splits the vertex.
    Stored as free per-vertex normals (Blender 4.5+) they are written back one per vertex again."""
    for obj in bpy.context.scene.objects:
        mesh = obj.data if obj.type == "MESH" else None
        if mesh is None or not mesh.has_custom_normals or not len(mesh.loops):
            continue
        corner = np.empty(len(mesh.loops) * 3, np.float32)
        mesh.corner_normals.foreach_get("vector", corner)
        vertex = np.empty(len(mesh.loops), np.int32)
        mesh.loops.foreach_get("vertex_index", vertex)
        normals = np.zeros((len(mesh.vertices), 3))
        np.add.at(normals, vertex, corner.reshape(-1, 3))
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        try:
            mesh.attributes.remove(mesh.attributes["custom_normal"])
            free = mesh.attributes.new("custom_normal", "FLOAT_VECTOR", "POINT")
        except (KeyError, RuntimeError, TypeError):
            return  # an older Blender: its exporter splits some vertices
        free.data.foreach_set("vector", normals.astype(np.float32).ravel())


def export(source: str, out: str) -> None:
    ext = Path(out).suffix.lower()
    if ext == ".glb":
        bpy.ops.export_scene.gltf(
            filepath=out,
            export_format="GLB",
            export_animations=True,
            export_morph=True,
            export_normals=_has_normals(source),
            export_morph_animation=True,
            export_try_sparse_sk=True,
            export_extras=True,
            export_morph_normal=False,
        )
    elif ext == ".fbx":
        # "all actions" and "NLA strips" walk object actions only and drop shape-key animation: bake the scene
        bpy.ops.export_scene.fbx(
            filepath=out,
            bake_anim=True,
            add_leaf_bones=False,
            bake_anim_use_all_actions=False,
            bake_anim_use_nla_strips=False,
        )
    else:
        raise FileProblem(f"{out}: the character is written as .glb or .fbx")


def write(path: str, additions: str, out: str) -> None:
    adds = load_additions(additions)  # kept within unit range by meshio.write_character
    stage("import")
    open_scene(path)
    objects = [bpy.data.objects.get(add.part) for add in adds]
    for add, obj in zip(adds, objects, strict=True):
        if obj is None or obj.type != "MESH":
            raise FileProblem(f"has no mesh object {add.part!r} (the file changed since it was read?)")
    stage("keys")
    for add, obj in zip(adds, objects, strict=True):
        add_keys(obj, add)
    keyed = [
        (obj, list(add.animated), add.weights)
        for add, obj in zip(adds, objects, strict=True)
        if add.weights is not None
    ]
    if keyed:
        animate(keyed, adds[0].fps)
    stage("export")
    if Path(path).suffix.lower() in (".glb", ".gltf"):
        keep_vertex_normals()
    export(path, out)


def main(argv: list[str]) -> int:
    try:
        if argv[0] == "read":
            read(argv[1], argv[2])
        else:
            write(argv[1], argv[2], argv[3])
    except (FileProblem, StyleTalkError) as exc:
        print(f"@@ERROR {exc}", flush=True)
        return 2
    stage("done")
    return 0


if __name__ == "__main__":
    die_with_parent(int(os.environ.get(PARENT_VARIABLE) or os.getppid()))  # a killed toolkit leaves no Blender
    code = main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(code)  # bpy 4.2 can crash at interpreter exit after an export; the work is done and flushed
