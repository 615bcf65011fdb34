"""The scene's StyleTalk settings (Scene.styletalk): the files, the style, where and how keys go, and
the progress of a running job, as the panel shows and the operators read them."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from . import keys
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
