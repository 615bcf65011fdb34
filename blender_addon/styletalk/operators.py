"""The face-animation operators: Add Face, Import Curves, Import Batch, Generate, Export; thin over
face_mesh.py, actions.py, exports.py and jobs.py (Any Character's are in character_operators.py, over
character_io.py and placing.py; ARKit's in arkit_operators.py, over arkit_character.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty

from . import actions, arkit_character, batch, exports, face_mesh, jobs, keys
from .formats.curves import load_curves
from .formats.errors import StyleTalkError
from .formats.style import PRESET_PREFIX
from .modal import ToolkitOperator
from .prefs import NO_TOOLKIT, toolkit_python


def _active_face(context, op) -> bpy.types.Object | None:
    obj = context.active_object
    if obj is None or obj.type != "MESH":
        op.report({"ERROR"}, "select the StyleTalk face mesh first (no active mesh)")
        return None
    missing = face_mesh.missing_shape_keys(obj)
    if missing:
        op.report({"ERROR"}, f"{obj.name} has no shape keys {missing[0]}..; use Add StyleTalk Face")
        return None
    return obj


def import_curves(context, obj, path: str, settings, op=None) -> bool:
    try:
        data = load_curves(bpy.path.abspath(path))
    except StyleTalkError as exc:
        if op is not None:
            op.report({"ERROR"}, str(exc))
        return False
    sc = context.scene
    names = keys.shape_key_names(data.exp.shape[1])
    try:
        keying = actions.Keying.of(settings)
        frames, action = actions.key_into_scene(sc, obj, names, data.exp, data.fps, keying)
    except StyleTalkError as exc:
        if op is not None:
            op.report({"ERROR"}, f"{path}: {exc}")
        return False
    if data.pose is not None:
        obj["styletalk_pose"] = data.pose.astype(float).ravel().tolist()
    audio = settings.audio_path or data.audio or ""
    if settings.add_sound and audio and not actions.looks_like_audio(bpy.path.abspath(audio)):
        if op is not None and os.path.exists(bpy.path.abspath(audio)):
            op.report({"WARNING"}, f"keyframes imported; {audio} is not an audio file, so no sound strip was added")
    elif settings.add_sound and audio:
        try:
            actions.add_sound_strip(sc, bpy.path.abspath(audio), settings.start_frame)
        except RuntimeError as exc:  # e.g. a Blender build without audio support
            if op is not None:
                op.report({"WARNING"}, f"keyframes imported, but the sound strip could not be added: {exc}")
    if op is not None:
        op.report({"INFO"}, f"{len(frames)} frames x {data.exp.shape[1]} keys into action {action.name}")
    return True


class STYLETALK_OT_add_face(bpy.types.Operator):
    bl_idname = "styletalk.add_face"
    bl_label = "Add StyleTalk Face"
    bl_description = "Add the embedded face mesh with a Basis and 64 expression shape keys"
    bl_options = {"REGISTER", "UNDO"}

    subdivision: IntProperty(name="Subdivision", min=0, max=3, default=0)
    arkit: BoolProperty(name="ARKit shape keys", default=False, description="also the 52 ARKit shape keys")

    def execute(self, context):
        obj = face_mesh.create_face_object(context, subdivision=self.subdivision, arkit=self.arkit)
        self.report({"INFO"}, f"added {obj.name} with {len(obj.data.shape_keys.key_blocks) - 1} shape keys")
        return {"FINISHED"}


class STYLETALK_OT_import_curves(bpy.types.Operator):
    bl_idname = "styletalk.import_curves"
    bl_label = "Import Curves"
    bl_description = "Keyframe the active face's shape keys from a curves file, into a new action"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(subtype="FILE_PATH", default="")

    def execute(self, context):
        settings = context.scene.styletalk
        obj = _active_face(context, self)
        if obj is None:
            return {"CANCELLED"}
        path = self.filepath or settings.curves_path
        return {"FINISHED"} if import_curves(context, obj, path, settings, self) else {"CANCELLED"}


class STYLETALK_OT_import_batch(bpy.types.Operator):
    bl_idname = "styletalk.import_batch"
    bl_label = "Import Batch"
    bl_description = (
        "Key the active face from a `styletalk batch` output folder: one action per take, named by its id, "
        "optionally laid one after another as NLA strips"
    )
    bl_options = {"REGISTER", "UNDO"}

    directory: StringProperty(subtype="DIR_PATH", default="")
    nla: BoolProperty(name="As NLA strips", default=True, description="also a strip per take on a new NLA track")
    gap: IntProperty(name="Gap", min=0, default=10, description="frames between one take's strip and the next")

    def invoke(self, context, event):
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        obj = _active_face(context, self)
        if obj is None:
            return {"CANCELLED"}
        try:
            found, problems = batch.batch_takes(bpy.path.abspath(self.directory))
        except ValueError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        takes = []
        for take_id, path in found:
            try:
                takes.append((take_id, load_curves(path)))
            except StyleTalkError as exc:
                problems.append(f"{take_id}: {exc}")
        if not takes:
            self.report({"ERROR"}, f"no take could be imported: {problems[0]}")
            return {"CANCELLED"}
        try:
            names = actions.key_batch(
                context.scene, obj, takes, context.scene.styletalk.start_frame, self.gap, self.nla
            )
        except StyleTalkError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        for problem in problems:
            self.report({"WARNING"}, f"skipped {problem}")
        where = " and NLA strips" if self.nla else ""
        self.report({"INFO"}, f"{len(names)} takes imported as actions{where} ({names[0]} .. {names[-1]})")
        return {"FINISHED"}


class STYLETALK_OT_generate(ToolkitOperator, bpy.types.Operator):
    bl_idname = "styletalk.generate"
    bl_label = "Generate"
    bl_description = "Run styletalk generate in the background (Esc cancels), then import the curves"

    _out = ""
    _arkit = False

    def start(self, context) -> jobs.ToolkitJob | None:
        s = context.scene.styletalk
        # our face, or an ARKit character (its ARKit-named keys get the solved weights)
        obj = context.active_object
        is_face = obj is not None and obj.type == "MESH" and not face_mesh.missing_shape_keys(obj)
        self._arkit = not is_face and arkit_character.is_arkit_character(obj)
        if not self._arkit and _active_face(context, self) is None:
            return None
        python = toolkit_python(context)
        if python is None:
            self.report({"ERROR"}, NO_TOOLKIT)
            return None
        if not s.speech_path or not s.style_path:
            self.report({"ERROR"}, "choose speech (audio or phoneme labels) and a style")
            return None
        styles = [s.style_path if s.style_path.startswith(PRESET_PREFIX) else bpy.path.abspath(s.style_path)]
        weights = []
        if s.style2_path:
            styles.append(bpy.path.abspath(s.style2_path))
            weights = [1.0 - s.style_mix, s.style_mix]
        self._out = os.path.join(tempfile.mkdtemp(prefix="styletalk_"), "curves.npz")
        request = jobs.GenerateRequest(
            python=python,
            speech=bpy.path.abspath(s.speech_path),
            styles=styles,
            style_weights=weights,
            strength=s.style_strength,
            checkpoint=bpy.path.abspath(s.checkpoint) if s.checkpoint else "",
            output=self._out,
            transcript=s.transcript,
            language=s.language,
            sync_offset_ms=s.sync_offset,
            lip_closure=s.lip_closure,
        )
        return jobs.GenerateJob(request)

    def cleanup(self) -> None:
        shutil.rmtree(os.path.dirname(self._out), ignore_errors=True)

    def finish(self, context, status: str) -> bool:
        s = context.scene.styletalk
        if status != "ok":
            self.report({"ERROR"}, status)
            return False
        if not s.audio_path and not self._job.request.speech_is_labels:
            s.audio_path = s.speech_path  # the speech becomes the sound strip
        if self._arkit:
            return arkit_character.apply_to_character(context, context.active_object, self._out, self)
        return import_curves(context, context.active_object, self._out, s, self)


class STYLETALK_OT_export(bpy.types.Operator):
    bl_idname = "styletalk.export"
    bl_label = "Export Animation"
    bl_description = "Export the face's shape-key animation"

    filepath: StringProperty(subtype="FILE_PATH")
    format: EnumProperty(
        name="Format",
        items=exports.export_choices(),
        default="csv",
    )

    def invoke(self, context, event):
        if not self.filepath:
            self.filepath = bpy.path.ensure_ext(bpy.path.abspath("//styletalk"), exports.export_suffix(self.format))
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        obj = _active_face(context, self)
        if obj is None:
            return {"CANCELLED"}
        if not self.filepath or not Path(bpy.path.abspath(self.filepath)).parent.is_dir():
            self.report({"ERROR"}, f"cannot write {self.filepath!r}: folder does not exist")
            return {"CANCELLED"}
        try:
            n = exports.export_keyframes(obj, bpy.path.abspath(self.filepath), self.format)
        except StyleTalkError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"exported {n} frames to {self.filepath}")
        return {"FINISHED"}


OPERATORS = (
    STYLETALK_OT_add_face,
    STYLETALK_OT_import_curves,
    STYLETALK_OT_import_batch,
    STYLETALK_OT_generate,
    STYLETALK_OT_export,
)
