"""Driven by tests/meshio/test_compat.py in Blender 5.0 or 4.2 (bpy as a module): meshio/compat.py's
shims on real data-blocks. Prints RESULTS {json}."""

import importlib.util
import json
import sys

import bpy

spec = importlib.util.spec_from_file_location("compat", sys.argv[1])
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)

bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_cube_add()
cube = bpy.context.object
cube.shape_key_add(name="Basis")
for name in ("open", "smile"):
    cube.shape_key_add(name=name)
key = cube.data.shape_keys
action = bpy.data.actions.new("StyleTalk")
curves = compat.new_fcurves(action, key, ['key_blocks["open"].value', 'key_blocks["smile"].value'])
for i, fc in enumerate(curves):
    fc.keyframe_points.insert(1, 0.0)
    fc.keyframe_points.insert(10, 0.5 + 0.25 * i)
scene = bpy.context.scene
scene.frame_set(10)
played = [round(b.value, 4) for b in key.key_blocks[1:]]
other = bpy.data.actions.new("Other")
compat.new_fcurves(other, key, ['key_blocks["open"].value'])[0].keyframe_points.insert(1, 1.0)
compat.assign_action(key.animation_data, action)  # back to ours, through its slot where there are slots
scene.frame_set(9)
scene.frame_set(10)
back = [round(b.value, 4) for b in key.key_blocks[1:]]
strips = compat.sound_strips(scene)
triangles = compat.fresh_loop_triangles(cube.data)
print(
    "RESULTS "
    + json.dumps(
        {
            "blender": bpy.app.version_string,
            "layers": compat.has_layers(action),
            "paths": sorted(fc.data_path for fc in compat.all_fcurves(action)),
            "played": played,
            "back": back,
            "strips": len(strips),
            "triangles": len(triangles),
        }
    )
)
