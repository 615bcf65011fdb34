"""Any Character's operators: find the face on the user's own mesh (automatically, or with a hand-placed face
mask or landmarks), then add our 64 expression keys (and ARKit's 52) to it, or solve its own shape keys from
curves. The toolkit does the work out of process (progress bar, Esc cancels); nothing in the scene
changes until it has finished, and then only new shape keys or a new action are added (undoable)."""

from __future__ import annotations

import os
import shutil
import tempfile

import bpy
import numpy as np

from . import actions, character_io, face_mesh, jobs, placing
from .formats.character import Additions
from .formats.curves import load_curves
from .formats.errors import StyleTalkError
from .formats.layout import EXP_NAMES
from .formats.placed import save_placed
from .modal import ToolkitOperator
from .prefs import NO_TOOLKIT, toolkit_python


class _CharacterJob(ToolkitOperator):
    """Shared by Transfer and Solve: start the toolkit on the exported character (modal.ToolkitOperator),
    then apply what it wrote."""

    bl_options = {"REGISTER", "UNDO"}
    _tmp = ""
    _obj_name = ""

    def request(self, context, obj, tmp: str, python: str) -> jobs.RetargetRequest:
        raise NotImplementedError

    @staticmethod
    def exported(context, obj, tmp: str, python: str, with_keys: bool, **options) -> tuple[jobs.RetargetRequest, list]:
        """The character around `obj` written to `tmp` (its meshes' shape keys too, with `with_keys`), the
        request that runs the toolkit on it with the panel's axes, and `obj`'s exported shape-key names."""
        mesh = os.path.join(tmp, "character.npz")
        names = character_io.export_character(context, obj, mesh, with_keys=with_keys)
        s = context.scene.styletalk_character
        return jobs.RetargetRequest(python, mesh, os.path.join(tmp, "out.npz"), s.front, s.up, **options), names

    def apply(self, context, obj, result: list[Additions]) -> str:
        raise NotImplementedError

    def start(self, context) -> jobs.ToolkitJob | None:
        obj = context.active_object
        python = toolkit_python(context)
        if python is None:
            self.report({"ERROR"}, NO_TOOLKIT)
            return None
        self._tmp = tempfile.mkdtemp(prefix="styletalk_character_")
        try:
            character_io.require_surface(obj)
            req = self.request(context, obj, self._tmp, python)
            settings = context.scene.styletalk_character
            if settings.mask is not None and settings.landmarks is not None:
                raise StyleTalkError("use either the face mask or the landmarks: clear one of them")
            if settings.mask is not None:
                req.mask = os.path.join(self._tmp, "mask.npy")
                np.save(req.mask, placing.mask_points(settings.mask))
            if settings.landmarks is not None:
                req.landmarks = os.path.join(self._tmp, "landmarks.json")
                save_placed(placing.landmark_points(settings.landmarks), req.landmarks)
        except StyleTalkError as exc:
            self.report({"ERROR"}, str(exc))
            self.cleanup()
            return None
        self._obj_name = obj.name
        return jobs.RetargetJob(req)

    def cleanup(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def finish(self, context, status: str) -> bool:
        if status != "ok":  # the toolkit names the temporary export: name the object instead
            self.report({"ERROR"}, status.replace(self._job.request.mesh, self._obj_name))
            return False
        obj = bpy.data.objects.get(self._obj_name)
        if obj is None:
            self.report({"ERROR"}, f"{self._obj_name} was deleted while the toolkit ran")
            return False
        try:
            self.report({"INFO"}, self.apply(context, obj, self._job.result))
        except StyleTalkError as exc:
            self.report({"ERROR"}, str(exc))
            return False
        return True


class STYLETALK_OT_transfer_keys(_CharacterJob, bpy.types.Operator):
    bl_idname = "styletalk.transfer_keys"
    bl_label = "Add StyleTalk Keys to Character"
    bl_description = (
        "Find the face on the selected mesh and add our 64 expression shape keys (and ARKit's 52) to it, "
        "so Import Curves and Generate work on it (Esc cancels)"
    )

    def request(self, context, obj, tmp, python):
        existing = set(face_mesh.shape_key_names_of(obj)) & set(EXP_NAMES)
        if existing:
            raise StyleTalkError(f"{obj.name} already has our keys ({sorted(existing)[0]}, ...)")
        return self.exported(context, obj, tmp, python, False, arkit=context.scene.styletalk_character.arkit)[0]

    def apply(self, context, obj, result):
        followers = character_io.add_character_keys(obj, result)
        also = f"; {', '.join(followers)} move with the jaw (driven by its keys)" if followers else ""
        return (
            f"{obj.name}: {len(result[0].names)} shape keys added ({character_io.face_fit_note(obj, result[0])}){also}"
        )


class STYLETALK_OT_solve_keys(_CharacterJob, bpy.types.Operator):
    bl_idname = "styletalk.solve_keys"
    bl_label = "Solve Character's Own Keys"
    bl_description = (
        "Find the face on the selected mesh and key its own shape keys, whatever their names, to reproduce "
        "the curves' motion, in a new action (Esc cancels)"
    )

    def request(self, context, obj, tmp, python):
        curves = bpy.path.abspath(context.scene.styletalk.curves_path)
        load_curves(curves)  # a bad curves file is reported before any work
        request, names = self.exported(context, obj, tmp, python, True, curves=curves, solve=True)
        if not names:
            raise StyleTalkError(f"{obj.name} has no shape keys of its own to solve (Add StyleTalk Keys instead)")
        return request

    def apply(self, context, obj, result):
        settings = context.scene.styletalk
        fps = load_curves(self._job.request.curves).fps
        face, *alike = result
        others = [bpy.data.objects.get(a.part) for a in alike]
        missing = [a.part for a, o in zip(alike, others, strict=True) if o is None or o.data.shape_keys is None]
        if missing:
            raise StyleTalkError(f"{missing[0]} was changed or deleted while the toolkit ran: nothing was keyed")
        names, weights = list(face.animated), face.weights
        theirs = actions.playing_action(obj)
        keying = actions.Keying.of(settings)
        frames, action = actions.key_into_scene(context.scene, obj, names, weights, fps, keying)
        for other, add in zip(others, alike, strict=True):  # parts with keys of the same names, keyed alike
            actions.key_into_scene(context.scene, other, list(add.animated), add.weights, fps, keying)
        fit = character_io.face_fit_note(obj, face)
        also = f"; {', '.join(o.name for o in others)} keyed alike" if others else ""
        into = f"{len(frames)} frames x {len(names)} of {obj.name}'s own keys into action {action.name}"
        return f"{into} ({fit}){also}{actions.kept_note(theirs)}"


class _PlaceOnCharacter:
    """Shared by Add Face Mask and Place Landmarks: something for the user to move onto the active
    mesh's face, put in front of its head with the panel's axes."""

    bl_options = {"REGISTER", "UNDO"}

    def place(self, context, obj, settings) -> str:
        raise NotImplementedError

    def execute(self, context):
        obj = context.active_object
        try:
            character_io.require_surface(obj)
            message = self.place(context, obj, context.scene.styletalk_character)
        except StyleTalkError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, message)
        return {"FINISHED"}


class STYLETALK_OT_add_mask(_PlaceOnCharacter, bpy.types.Operator):
    bl_idname = "styletalk.add_face_mask"
    bl_label = "Add Face Mask"
    bl_description = (
        "Our face as a wireframe in front of the selected mesh: move and scale it onto the character's face "
        "when the face is not found automatically; its vertices snap onto the surface"
    )

    def place(self, context, obj, settings) -> str:
        settings.mask = placing.add_mask(context, obj, settings.front, settings.up)
        return f"{settings.mask.name}: place it over {obj.name}'s face, then add or solve keys"


class STYLETALK_OT_place_landmarks(_PlaceOnCharacter, bpy.types.Operator):
    bl_idname = "styletalk.place_landmarks"
    bl_label = "Place Landmarks"
    bl_description = (
        "Labelled empties (chin, nose tip, mouth corners, lip middles, eye corners) in front of the selected "
        "mesh's head: move each onto the character's own feature, for a stylised face the detector cannot read"
    )

    def place(self, context, obj, settings) -> str:
        settings.landmarks = placing.add_landmarks(context, obj, settings.front, settings.up)
        return (
            f"{settings.landmarks.name}: move each onto {obj.name}'s feature (left, right: the character's own), "
            "then add or solve keys"
        )


OPERATORS = (STYLETALK_OT_transfer_keys, STYLETALK_OT_solve_keys, STYLETALK_OT_add_mask, STYLETALK_OT_place_landmarks)
