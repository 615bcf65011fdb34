"""Build a character the way rigs come from DCC tools and export it with Blender's default glTF and
FBX settings: an ICT-FaceKit head (its skin in two materials, a UV layer, two shape keys) with its
eyes and teeth as separate objects, all skinned to an armature whose object carries a scale of 0.01
(centimetres to metres) and the y-up to z-up turn. Run: python make_character.py ICT.npz OUT_DIR [--take];
writes OUT_DIR/character.glb and character.fbx and prints RESULTS {...}. With --take the head also
carries its own facial take, as a facecap rig does: an action "FacecapTake" keying jawOpen and
mouthSmile_L over 2.5 s at the scene's default 24 fps."""

import json
import math
import os
import sys
from pathlib import Path

import bpy
import numpy as np

ict_path, out = sys.argv[1], Path(sys.argv[2])
z = np.load(ict_path)
groups = json.loads(str(z["vertex_groups"]))
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
names = [str(n) for n in z["expression_names"]]

arm_data = bpy.data.armatures.new("Rig")
rig = bpy.data.objects.new("Rig", arm_data)
scene.collection.objects.link(rig)
rig.scale = (0.01, 0.01, 0.01)
rig.rotation_euler = (math.pi / 2, 0, 0)  # ICT's y up -> Blender's z up
bpy.context.view_layer.objects.active = rig
bpy.ops.object.mode_set(mode="EDIT")
bone = arm_data.edit_bones.new("head")
bone.head, bone.tail = (0, 0, 0), (0, 20, 0)
bpy.ops.object.mode_set(mode="OBJECT")


def part(name, ranges, materials, keys=()):
    keep = np.zeros(len(z["neutral"]), bool)
    for first, last in ranges:
        keep[first : last + 1] = True
    faces = [f[f >= 0] for f in z["faces"] if keep[f[f >= 0]].all()]
    index = np.cumsum(keep) - 1
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(z["neutral"][keep].tolist(), [], [index[f].tolist() for f in faces])
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), bool))
    obj = bpy.data.objects.new(name, mesh)
    scene.collection.objects.link(obj)
    obj.parent = rig
    group = obj.vertex_groups.new(name="head")
    group.add(list(range(len(mesh.vertices))), 1.0, "REPLACE")
    obj.modifiers.new("Armature", "ARMATURE").object = rig
    for m in materials:
        mat = bpy.data.materials.get(m) or bpy.data.materials.new(m)
        obj.data.materials.append(mat)
    if len(materials) > 1:  # the lower half of the faces in the second material
        centre = np.array([p.center.y for p in mesh.polygons])
        mesh.polygons.foreach_set("material_index", (centre < np.median(centre)).astype(np.int32))
    uv = mesh.uv_layers.new(name="UVMap")
    co = np.array([mesh.vertices[i].co[:2] for i in (lo.vertex_index for lo in mesh.loops)])
    uv.data.foreach_set("uv", ((co - co.min(0)) / np.ptp(co, axis=0)).ravel())
    if keys:
        obj.shape_key_add(name="Basis", from_mix=False)
        for k in keys:
            block = obj.shape_key_add(name=k, from_mix=False)
            block.data.foreach_set("co", (z["neutral"][keep] + z["expression_deltas"][names.index(k)][keep]).ravel())
    return obj


skin = [groups[g] for g in ("face", "head_and_neck", "mouth_socket", "eye_socket_left", "eye_socket_right")]
head = part("Head", skin, ["Skin", "Lips"], ("jawOpen", "mouthSmile_L"))
part("Eye_L", [groups["eyeball_left"]], ["Eye"])
part("Eye_R", [groups["eyeball_right"]], ["Eye"])
part("Teeth", [groups["teeth"], groups["gums_and_tongue"]], ["Teeth"])
if "--take" in sys.argv:
    keys = head.data.shape_keys
    keys.animation_data_create()
    keys.animation_data.action = bpy.data.actions.new("FacecapTake")
    for frame in range(0, 61, 4):  # 2.5 s at 24 fps
        keys.key_blocks["jawOpen"].value = 0.5 + 0.5 * math.sin(frame / 5)
        keys.key_blocks["jawOpen"].keyframe_insert("value", frame=frame)
        keys.key_blocks["mouthSmile_L"].value = frame / 60
        keys.key_blocks["mouthSmile_L"].keyframe_insert("value", frame=frame)
    scene.frame_start, scene.frame_end = 0, 60
bpy.ops.export_scene.gltf(filepath=str(out / "character.glb"))
bpy.ops.export_scene.fbx(filepath=str(out / "character.fbx"))
print("RESULTS " + json.dumps({"blender": bpy.app.version_string, "head": len(head.data.vertices)}), flush=True)
sys.stdout.flush()
os._exit(0)
