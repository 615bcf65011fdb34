"""Every difference between the Blender versions we support (4.2 LTS to 5.x) in one place, for both
sides that run inside Blender: the toolkit's Blender process (blender_side.py) and the add-on, where
this file is linked as `compat.py` (the builder copies it). It imports nothing: it works on the Blender
objects it is given, so neither side asks which Blender it runs in."""

from __future__ import annotations


def has_layers(action) -> bool:
    """Blender 4.4+ layered actions: one action animates several data-blocks, each through a slot."""
    return hasattr(action, "layers")


def new_fcurves(action, key_datablock, paths: list[str]) -> list:
    """F-curves for `paths` in `action`, which `key_datablock` (a shape-key Key) then plays: in 4.4+ a
    slot of its own in the action's one layer and keyframe strip (made on first use); in 4.2/4.3
    Action.fcurves."""
    if key_datablock.animation_data is None:
        key_datablock.animation_data_create()
    key_datablock.animation_data.action = action
    if has_layers(action):
        slot = action.slots.new(id_type="KEY", name=key_datablock.name)
        layer = action.layers[0] if len(action.layers) else action.layers.new("Layer")
        strip = layer.strips[0] if len(layer.strips) else layer.strips.new(type="KEYFRAME")
        key_datablock.animation_data.action_slot = slot
        return [strip.channelbag(slot, ensure=True).fcurves.new(p) for p in paths]
    return [action.fcurves.new(p) for p in paths]


def all_fcurves(action) -> list:
    """Every F-curve of `action`: in 4.4+ those of every slot in its layers' strips; in 4.2/4.3
    Action.fcurves."""
    if has_layers(action) and len(action.layers):
        bags = [bag for layer in action.layers for strip in layer.strips for bag in strip.channelbags]
        return [fc for bag in bags for fc in bag.fcurves]
    return list(getattr(action, "fcurves", []))


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
