"""Every difference between the Blender versions the extension supports (4.2 LTS to 5.x) in one place:
the rest of the add-on calls these and never asks which Blender it runs in."""

from __future__ import annotations


def new_fcurves(action, key_datablock, paths: list[str]) -> list:
    """F-curves for `paths` in `action`, which `key_datablock` (a shape-key Key) then plays: Blender
    4.4+ layered actions (a slot, a layer, a keyframe strip and its channelbag), or 4.2/4.3's
    Action.fcurves."""
    if key_datablock.animation_data is None:
        key_datablock.animation_data_create()
    key_datablock.animation_data.action = action
    if hasattr(action, "layers"):
        slot = action.slots.new(id_type="KEY", name=key_datablock.name)
        channelbag = action.layers.new("Layer").strips.new(type="KEYFRAME").channelbag(slot, ensure=True)
        key_datablock.animation_data.action_slot = slot
        return [channelbag.fcurves.new(p) for p in paths]
    return [action.fcurves.new(p) for p in paths]


def assign_action(anim, action) -> None:
    """`action` played by the animation data `anim` (in 4.4+ through its first slot)."""
    anim.action = action
    if hasattr(action, "slots") and len(action.slots):
        anim.action_slot = action.slots[0]


def sound_strips(scene):
    """The scene's sequencer strips collection (renamed from `sequences` to `strips` in 4.4)."""
    if scene.sequence_editor is None:
        scene.sequence_editor_create()
    editor = scene.sequence_editor
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def fresh_loop_triangles(mesh):
    """The mesh's loop triangles, up to date (4.2 caches them until asked; 5.x keeps them current)."""
    if hasattr(mesh, "calc_loop_triangles"):
        mesh.calc_loop_triangles()
    return mesh.loop_triangles
