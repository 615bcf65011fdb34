"""The sidebar's panels (3D View > StyleTalk): our face, importing curves, generating, exporting; Any
character and ARKit character beneath it."""

from __future__ import annotations

import bpy


class InSidebar:
    """Where every StyleTalk panel sits: the 3D View's sidebar, tab StyleTalk."""

    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "StyleTalk"


class SubPanel(InSidebar):
    """A closed section under the StyleTalk panel (Any character, ARKit character)."""

    bl_parent_id = "STYLETALK_PT_panel"
    bl_options = {"DEFAULT_CLOSED"}


class STYLETALK_PT_panel(InSidebar, bpy.types.Panel):
    bl_label = "StyleTalk"
    bl_idname = "STYLETALK_PT_panel"

    def draw(self, context):
        s = context.scene.styletalk
        col = self.layout.column()
        col.operator("styletalk.add_face").subdivision = s.subdivision
        col.prop(s, "subdivision")
        box = col.box()
        box.label(text="Import")
        box.prop(s, "curves_path")
        box.prop(s, "start_frame")
        box.prop(s, "action_name")
        box.prop(s, "add_sound")
        box.prop(s, "audio_path")
        box.operator("styletalk.import_curves")
        box.operator("styletalk.import_batch")
        box = col.box()
        box.label(text="Generate")
        box.prop(s, "speech_path")
        box.prop(s, "transcript")
        box.prop(s, "language")
        box.prop(s, "style_path")
        box.prop(s, "style2_path")
        if s.style2_path:
            box.prop(s, "style_mix")
        box.prop(s, "style_strength")
        box.prop(s, "sync_offset")
        box.prop(s, "lip_closure")
        box.prop(s, "checkpoint")
        if s.running:
            box.progress(factor=s.progress, text="Generating (Esc cancels)")
        else:
            box.operator("styletalk.generate")
        col.operator_menu_enum("styletalk.export", "format", text="Export")


class STYLETALK_PT_character(SubPanel, bpy.types.Panel):
    bl_label = "Any character"
    bl_idname = "STYLETALK_PT_character"

    def draw(self, context):
        s = context.scene.styletalk_character
        col = self.layout.column()
        row = col.row()
        row.prop(s, "front")
        row.prop(s, "up")
        col.prop(s, "arkit")
        col.operator("styletalk.transfer_keys")
        col.operator("styletalk.solve_keys")
        col.separator()
        col.prop(s, "mask")
        col.operator("styletalk.add_face_mask")
        col.prop(s, "landmarks")
        col.operator("styletalk.place_landmarks")


class STYLETALK_PT_arkit(SubPanel, bpy.types.Panel):
    bl_label = "ARKit character"
    bl_idname = "STYLETALK_PT_arkit"

    def draw(self, context):
        col = self.layout.column()
        col.operator("styletalk.match_arkit")
        col.operator("styletalk.apply_arkit")
        obj = context.active_object
        if obj is not None and obj.type == "MESH" and len(obj.styletalk_arkit_map):
            box = col.box()
            for item in obj.styletalk_arkit_map:
                row = box.row()
                row.label(text=item.arkit)
                row.prop(item, "keys", text="")


PANELS = (STYLETALK_PT_panel, STYLETALK_PT_character, STYLETALK_PT_arkit)
