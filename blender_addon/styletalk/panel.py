"""The sidebar panel (3D View > StyleTalk): our face, importing curves, generating, exporting."""

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
