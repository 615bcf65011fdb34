"""StyleTalk Blender extension: a face mesh with 64 expression shape keys, curves -> keyframes,
generation with progress and cancel, exports, any character. bpy is imported only at registration, so
the pure modules (keys, jobs, modal, formats) can be imported and tested without Blender.

Where things are: settings.py (the scene's settings), operators.py and panel.py (the face),
character_ui.py (Any Character), arkit_ui.py (ARKit characters), prefs.py, modal.py (running the
toolkit), compat.py (Blender versions), guard.py (every operator's failure one line); the work is done
in face_mesh.py (our face), actions.py (keys in), exports.py (keys out), character_io.py and
placing.py (a character out, its keys in; the mask and landmarks), arkit_character.py (an ARKit rig's
table and keys) and keys.py (pure keyframe maths)."""


def _classes() -> tuple:
    from . import operators, panel, prefs, settings

    return (
        prefs.StyleTalkPreferences,
        settings.StyleTalkSettings,
        operators.STYLETALK_OT_add_face,
        operators.STYLETALK_OT_import_curves,
        operators.STYLETALK_OT_import_batch,
        operators.STYLETALK_OT_generate,
        operators.STYLETALK_OT_export,
        panel.STYLETALK_PT_panel,
    )


def register() -> None:
    import bpy

    from . import arkit_ui, character_ui, settings
    from .guard import one_line_errors

    for cls in (*_classes(), *arkit_ui.CLASSES, *character_ui.CLASSES):
        one_line_errors(cls)
    for cls in _classes():
        bpy.utils.register_class(cls)
    bpy.types.Scene.styletalk = bpy.props.PointerProperty(type=settings.StyleTalkSettings)
    arkit_ui.register()
    character_ui.register()


def unregister() -> None:
    import bpy

    from . import arkit_ui, character_ui

    character_ui.unregister()
    arkit_ui.unregister()
    del bpy.types.Scene.styletalk
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
