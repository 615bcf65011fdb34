"""The scene's StyleTalk settings (Scene.styletalk): the files, the style, where and how keys go, and
the progress of a running job, as the panel shows and the operators read them."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, FloatProperty, IntProperty, StringProperty

from . import keys


class StyleTalkSettings(bpy.types.PropertyGroup):
    curves_path: StringProperty(name="Curves", subtype="FILE_PATH", description="curves file (.npz or .json)")
    speech_path: StringProperty(
        name="Speech", subtype="FILE_PATH", description="audio (wav/flac/mp3/...) or 30 fps *_seq.json phoneme labels"
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
