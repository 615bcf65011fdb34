"""The add-on's preferences: where the toolkit's Python is."""

from __future__ import annotations

import importlib.util
import sys

import bpy
from bpy.props import StringProperty

ADDON_ID = __package__


class StyleTalkPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    python: StringProperty(
        name="Python with styletalk",
        description="Interpreter where the styletalk toolkit is installed (e.g. the project's .venv/bin/python)",
        subtype="FILE_PATH",
        default="",
    )

    def draw(self, context):
        self.layout.prop(self, "python")


def preferences(context):
    addon = context.preferences.addons.get(ADDON_ID)
    return addon.preferences if addon else None


NO_TOOLKIT = "set 'Python with styletalk' in the add-on preferences"  # when toolkit_python finds none


def toolkit_python(context) -> str | None:
    """The preferences' interpreter, else Blender's own when it has the toolkit, else None."""
    prefs = preferences(context)
    if prefs and prefs.python:
        return bpy.path.abspath(prefs.python)
    # Blender's own Python has the toolkit installed: found, not imported (the toolkit runs in a child)
    return sys.executable if importlib.util.find_spec("styletalk_core") is not None else None
