"""The add-on's properties: the scene's StyleTalk settings (Scene.styletalk: the files, the style, where
and how keys go, the progress of a running job), Any Character's (Scene.styletalk_character: the axes,
the mask, the landmarks) and an ARKit rig's table (Object.styletalk_arkit_map), as the panels show them
and the operators read them."""

from __future__ import annotations

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from . import keys
from .formats.character import AXES
from .formats.languages import DEFAULT_LANGUAGE, LANGUAGES
from .formats.timebase import MAX_SYNC_OFFSET_MS

# the languages speech is labelled in, English first, then by name
LANGUAGE_ITEMS = [
    (code, f"{lang.name} ({code})", f"speech in {lang.name}")
    for code, lang in sorted(LANGUAGES.items(), key=lambda kv: (kv[0] != DEFAULT_LANGUAGE, kv[1].name))
]


class StyleTalkSettings(bpy.types.PropertyGroup):
    curves_path: StringProperty(name="Curves", subtype="FILE_PATH", description="curves file (.npz or .json)")
    speech_path: StringProperty(
        name="Speech", subtype="FILE_PATH", description="audio (wav/flac/mp3/...) or 30 fps *_seq.json phoneme labels"
    )
    transcript: StringProperty(
        name="Transcript",
        description="what is said, optional: the labels follow it exactly (forced alignment) in the language below",
    )
    language: EnumProperty(name="Language", items=LANGUAGE_ITEMS, default=DEFAULT_LANGUAGE)
    sync_offset: FloatProperty(
        name="Sync offset (ms)",
        default=0.0,
        min=-MAX_SYNC_OFFSET_MS,
        max=MAX_SYNC_OFFSET_MS,
        description="move the mouth this many milliseconds later against the sound (negative: earlier)",
    )
    lip_closure: BoolProperty(
        name="Close lips on p, b, m",
        default=True,
        description="lips brought to the style's own closed lips on every p, b and m (off: the network's mouth alone)",
    )
    style_path: StringProperty(
        name="Style",
        subtype="FILE_PATH",
        description="style clip (.mat/.npz), a video of a talking face, or preset:NAME",
    )
    style2_path: StringProperty(name="Mix with", subtype="FILE_PATH", description="optional second style clip")
    style_mix: FloatProperty(name="Mix", min=0.0, max=1.0, default=0.5, description="weight of the second style")
    style_strength: FloatProperty(name="Strength", min=0.0, max=3.0, default=1.0, description="0 neutral, 1 as clip")
    checkpoint: StringProperty(name="Checkpoint", subtype="FILE_PATH", description="empty: the bundled default")
    audio_path: StringProperty(name="Audio", subtype="FILE_PATH", description="sound strip added on import")
    start_frame: IntProperty(name="Start frame", default=1, min=0, max=keys.MAX_FRAME)
    action_name: StringProperty(name="Action", default="StyleTalk")
    add_sound: BoolProperty(name="Add sound strip", default=True)
    subdivision: IntProperty(name="Subdivision", min=0, max=3, default=0)
    progress: FloatProperty(name="Progress", min=0.0, max=1.0, default=0.0, subtype="FACTOR")
    running: BoolProperty(default=False)


AXIS_ITEMS = [(a, a.upper(), f"the world's {a.upper()} axis") for a in AXES]


def _is_mask(_, obj) -> bool:
    from .placing import MASK_VERTICES  # with mathutils: only inside Blender

    return obj.type == "MESH" and len(obj.data.vertices) == MASK_VERTICES


class StyleTalkCharacterSettings(bpy.types.PropertyGroup):
    front: EnumProperty(name="Front", items=AXIS_ITEMS, default="-y", description="the axis the face looks along")
    up: EnumProperty(name="Up", items=AXIS_ITEMS, default="+z", description="the head's up axis")
    arkit: BoolProperty(name="ARKit keys too", default=False, description="also add the 52 ARKit shape keys")
    mask: PointerProperty(
        name="Face mask",
        type=bpy.types.Object,
        poll=_is_mask,
        description="placed by hand (Add Face Mask) when the face is not found automatically",
    )
    landmarks: PointerProperty(
        name="Landmarks",
        type=bpy.types.Collection,
        description="empties placed by hand on the face's features (Place Landmarks), for a stylised face",
    )


class StyleTalkArkitPair(bpy.types.PropertyGroup):
    arkit: StringProperty(name="ARKit")
    keys: StringProperty(
        name="Shape keys", description="the character's shape key(s) for this ARKit shape, comma-separated"
    )


PROPERTY_GROUPS = (StyleTalkSettings, StyleTalkCharacterSettings, StyleTalkArkitPair)


def attach() -> None:
    """The settings on the scene and the ARKit table on objects (the groups registered)."""
    bpy.types.Scene.styletalk = PointerProperty(type=StyleTalkSettings)
    bpy.types.Scene.styletalk_character = PointerProperty(type=StyleTalkCharacterSettings)
    bpy.types.Object.styletalk_arkit_map = CollectionProperty(type=StyleTalkArkitPair)


def detach() -> None:
    del bpy.types.Object.styletalk_arkit_map
    del bpy.types.Scene.styletalk_character
    del bpy.types.Scene.styletalk
