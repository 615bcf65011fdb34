"""Build a .blend (face mesh, keyed action, sound strip) and a .glb from a curves file with the
add-on's own code, headless:
python build_demo_scene.py ADDON_PARENT CURVES AUDIO OUT.blend OUT.glb
where ADDON_PARENT holds the assembled extension (styletalk_addon.build.assemble) and an empty OUT.glb
writes none. Prints `BLENDER <version>`. A Blender module built without audio (PyPI's 4.2) adds no
sound strip."""

import sys

import bpy


def main(addon_parent: str, curves_path: str, audio: str, blend: str, glb: str) -> None:
    sys.path.insert(0, addon_parent)
    from styletalk import actions, exports, face_mesh, keys
    from styletalk.formats.curves import load_curves

    bpy.ops.wm.read_factory_settings(use_empty=True)
    context = bpy.context
    data = load_curves(curves_path)
    face = face_mesh.create_face_object(context)
    sc = context.scene
    sc.render.fps = 30
    actions.key_into_scene(sc, face, keys.shape_key_names(), data.exp, data.fps)
    if audio and bpy.app.build_options.audaspace:
        actions.add_sound_strip(sc, audio, 1)
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    sc.collection.objects.link(cam)
    cam.location, cam.rotation_euler = (0, -0.45, 0), (1.5708, 0, 0)
    sc.camera = cam
    if glb:
        exports.export_keyframes(face, glb, "glb")
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    print("BLENDER", bpy.app.version_string.split()[0])


if __name__ == "__main__":
    main(*sys.argv[1:6])
