"""Apply to ARKit Character's operators, Match ARKit Names and Apply, over arkit_character.py."""

from __future__ import annotations

import bpy
from bpy.props import StringProperty

from . import face_mesh
from .arkit_character import apply_to_character, match_character


def _mesh(context, op):
    obj = context.active_object
    if obj is None or obj.type != "MESH" or not face_mesh.shape_key_names_of(obj):
        op.report({"ERROR"}, "select the character's mesh first (a mesh with shape keys)")
        return None
    return obj


class STYLETALK_OT_match_arkit(bpy.types.Operator):
    bl_idname = "styletalk.match_arkit"
    bl_label = "Match ARKit Names"
    bl_description = "Match the selected mesh's shape keys to ARKit's 52 names (any case or separator)"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        obj = _mesh(context, self)
        if obj is None:
            return {"CANCELLED"}
        matched, unmatched, duplicates = match_character(obj)
        if duplicates:
            self.report(
                {"WARNING"}, "several keys match " + "; ".join(f"{a}: {', '.join(k)}" for a, k in duplicates.items())
            )
        if matched == 0:
            count = len(face_mesh.shape_key_names_of(obj))
            why = "only ambiguously (see the warning)" if duplicates else "none has an ARKit name"
            self.report({"ERROR"}, f"{obj.name}: of its {count} shape keys {why}; the table is unchanged")
            return {"CANCELLED"}
        extra = f"; not ARKit: {', '.join(unmatched[:8])}{' ...' if len(unmatched) > 8 else ''}" if unmatched else ""
        self.report({"INFO"}, f"{obj.name}: {matched} of 52 ARKit shapes matched{extra}")
        return {"FINISHED"}


class STYLETALK_OT_apply_arkit(bpy.types.Operator):
    bl_idname = "styletalk.apply_arkit"
    bl_label = "Apply to ARKit Character"
    bl_description = (
        "Key the curves' ARKit-52 weights onto the selected character's matching shape keys, in a new action"
    )
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(
        subtype="FILE_PATH", default="", description="curves (.npz/.json) or ARKit weights (.json)"
    )

    def execute(self, context):
        obj = _mesh(context, self)
        if obj is None:
            return {"CANCELLED"}
        path = bpy.path.abspath(self.filepath or context.scene.styletalk.curves_path)
        return {"FINISHED"} if apply_to_character(context, obj, path, self) else {"CANCELLED"}


OPERATORS = (STYLETALK_OT_match_arkit, STYLETALK_OT_apply_arkit)
