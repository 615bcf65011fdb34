"""StyleTalk Blender extension: a face mesh with 64 expression shape keys, curves -> keyframes,
generation with progress and cancel, exports, any character. bpy is imported only at registration, so
the pure modules (keys, jobs, modal, formats) can be imported and tested without Blender.

Where things are, by role: settings.py (every property: the scene's settings, Any Character's, an ARKit
rig's table), operators.py (the face's), character_operators.py (Any Character's), arkit_operators.py
(ARKit's), panel.py (every panel), prefs.py, modal.py and jobs.py (running the toolkit), compat.py
(Blender versions), guard.py (every operator's failure one line); the work in Blender is done in
face_mesh.py (our face), actions.py (keys in), exports.py (keys out), character_io.py and placing.py (a
character out, its keys in; the mask and landmarks), arkit_character.py (an ARKit rig's table and keys)
and keys.py (pure keyframe maths)."""


def _classes() -> tuple:
    """Every class the add-on registers, in the order Blender needs: property groups before what
    points at them, a panel before its sub-panels."""
    from . import arkit_operators, character_operators, operators, panel, prefs, settings

    operators_ = (*operators.OPERATORS, *character_operators.OPERATORS, *arkit_operators.OPERATORS)
    return (prefs.StyleTalkPreferences, *settings.PROPERTY_GROUPS, *operators_, *panel.PANELS)


def register() -> None:
    import bpy

    from . import settings
    from .guard import one_line_errors

    for cls in _classes():
        bpy.utils.register_class(one_line_errors(cls))
    settings.attach()


def unregister() -> None:
    import bpy

    from . import settings

    settings.detach()
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
