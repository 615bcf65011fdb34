"""Keys into the scene: samples as keyframes in bulk, in a new action (the one played before kept),
a batch's takes as actions and NLA strips, and the sound."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path

import bpy
import numpy as np

from . import compat, keys
from .formats.errors import StyleTalkError


def write_shape_key_animation(obj, exp: np.ndarray, frames: np.ndarray, action_name: str):
    """Our exp00..exp63 keys from (T, 64) curves (see write_key_animation)."""
    return write_key_animation(obj, keys.shape_key_names(exp.shape[1]), exp, frames, action_name)


def write_key_animation(obj, names: list[str], values: np.ndarray, frames: np.ndarray, action_name: str):
    """One new action (never overwriting an existing one) with a linear F-curve per named shape key
    (column j of `values` drives `names[j]`), written in bulk with foreach_set."""
    key_datablock = obj.data.shape_keys
    playing = playing_action(obj)
    if playing is not None:  # the user's own take: no longer played, kept in the action list (not dropped on save)
        playing.use_fake_user = True
    action = bpy.data.actions.new(keys.unique_name(action_name, set(bpy.data.actions.keys())))
    fcurves = compat.new_fcurves(action, key_datablock, [keys.data_path(n) for n in names])
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    interp = np.full(len(frames), linear, dtype=np.int32)
    for fc, column in zip(fcurves, np.asarray(values).T, strict=True):
        fc.keyframe_points.add(len(frames))
        fc.keyframe_points.foreach_set("co", keys.keyframe_coords(frames, column))
        fc.keyframe_points.foreach_set("interpolation", interp)
        fc.update()
    return action


def playing_action(obj):
    """The action `obj`'s shape keys play, or None (what a new action of ours replaces, and keeps:
    write_key_animation)."""
    anim = obj.data.shape_keys.animation_data if obj.data.shape_keys else None
    return anim.action if anim else None


def kept_note(theirs) -> str:
    """What a report adds when a new action replaced `theirs` (the action played before, or None)."""
    return f"; your action {theirs.name} is kept in the Action list (fake user), no longer played" if theirs else ""


@dataclass(frozen=True)
class Keying:
    """Where keys go: from scene frame `start`, in a new action named `action_name` (never overwriting one)."""

    start: float = 1.0
    action_name: str = "StyleTalk"

    @classmethod
    def of(cls, settings) -> Keying:
        """The scene's choice (its StyleTalk settings' start frame and action name)."""
        return cls(settings.start_frame, settings.action_name)


def key_into_scene(scene, obj, names: list[str], values: np.ndarray, fps: float, keying: Keying | None = None):
    """Samples at `fps` -> keys on `names`, retimed to the scene's rate from frame keying.start, in a new
    action; the scene's frame range becomes the animation's. Returns (scene frames, action)."""
    keying = keying or Keying()
    start, action_name = keying.start, keying.action_name
    frames = keys.retime(len(values), fps, scene.render.fps / scene.render.fps_base, start)
    if frames[0] < 0 or frames[-1] > keys.MAX_FRAME:
        raise StyleTalkError(
            f"the animation would run from frame {frames[0]:.0f} to {frames[-1]:.0f}; Blender's "
            f"frames are 0 to {keys.MAX_FRAME} (choose another start frame)"
        )
    action = write_key_animation(obj, names, values, frames, action_name)
    scene.frame_start, scene.frame_end = keys.frame_range(frames)
    return frames, action


def key_batch(scene, obj, takes: list, start: float, gap: int, nla: bool) -> list[str]:
    """One action per (take id, Curves) on our expression keys, named by the id (never overwriting one),
    kept with a fake user. With `nla`, also a strip per take on a new NLA track, one after another
    `gap` frames apart, and no active action, so the track plays; else every action starts at `start`
    and the first is active. Returns the actions' names. All takes or none: a take that fails removes
    the actions made before it and gives the face back its action."""
    fps = scene.render.fps / scene.render.fps_base
    written, strips, at = [], [], float(start)
    before = set(bpy.data.actions)
    anim = obj.data.shape_keys.animation_data if obj.data.shape_keys else None
    was = (anim.action, getattr(anim, "action_slot", None)) if anim else (None, None)
    try:
        for take_id, curves in takes:
            frames = keys.retime(len(curves.exp), curves.fps, fps, math.ceil(at) if nla else start)
            if frames[-1] > keys.MAX_FRAME:
                raise StyleTalkError(f"take {take_id} would end at frame {frames[-1]:.0f}, past Blender's last frame")
            action = write_shape_key_animation(obj, curves.exp, frames, take_id)
            action.use_fake_user = True  # kept in the action list when no strip or object uses it
            written.append(action)
            strips.append(keys.frame_range(frames))
            at = frames[-1] + gap
    except BaseException:
        _give_back(obj.data.shape_keys.animation_data, *was)
        for action in [a for a in bpy.data.actions if a not in before]:
            bpy.data.actions.remove(action)
        raise
    anim = obj.data.shape_keys.animation_data
    if nla:
        track = anim.nla_tracks.new()
        track.name = "StyleTalk batch"
        for action, (first, _) in zip(written, strips, strict=True):
            track.strips.new(action.name, first, action)
        anim.action = None
    else:
        compat.assign_action(anim, written[0])
    ranges = strips if nla else strips[:1]
    scene.frame_start, scene.frame_end = ranges[0][0], max(last for _, last in ranges)
    return [a.name for a in written]


def _give_back(anim, action, slot) -> None:
    """The animation data `anim` playing `action` (through `slot`, Blender 4.4+) again."""
    if anim is None:
        return
    anim.action = action
    if action is not None and slot is not None:
        with contextlib.suppress(AttributeError, TypeError, RuntimeError):
            anim.action_slot = slot


# the first bytes of the audio files Blender plays (WAV, FLAC, MP3, Ogg, AIFF)
AUDIO_MAGIC = (b"RIFF", b"fLaC", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"OggS", b"FORM")


def looks_like_audio(path: str) -> bool:
    """Whether `path` starts like an audio file (an MP4/M4A container: `ftyp` at byte 4)."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return head.startswith(AUDIO_MAGIC) or head[4:8] == b"ftyp"


def add_sound_strip(scene, audio: str, start: int) -> None:
    compat.sound_strips(scene).new_sound(Path(audio).stem, audio, channel=1, frame_start=start)
