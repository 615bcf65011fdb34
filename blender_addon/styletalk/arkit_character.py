"""An ARKit character in the scene: the selected mesh's own shape keys matched to ARKit's 52 names
(an editable table stored in the .blend), and the curves' ARKit weights keyed onto them in a new
action."""

from __future__ import annotations

import os
import tempfile

from . import actions, exports, face_mesh, jobs, keys
from .formats.arkit import ARKIT_NAMES, NotArkitJson, match_arkit_names, read_arkit_json
from .formats.errors import StyleTalkError
from .prefs import NO_TOOLKIT, toolkit_python


def match_character(obj) -> tuple[int, list[str], dict[str, list[str]]]:
    """Fill the object's mapping table from its shape-key names; returns (matched, unmatched, ambiguous).
    The table is left as it was when nothing matches."""
    mapping, unmatched, duplicates = match_arkit_names(face_mesh.shape_key_names_of(obj))
    if not mapping:
        return 0, unmatched, duplicates
    obj.styletalk_arkit_map.clear()
    for arkit in ARKIT_NAMES:
        item = obj.styletalk_arkit_map.add()
        item.arkit, item.keys = arkit, ", ".join(mapping.get(arkit, []))
    return len(mapping), unmatched, duplicates


def table(obj) -> tuple[dict[str, list[str]], list[str]]:
    """The (possibly user-edited) table: {ARKit name: shape keys}, and the typed names no key has."""
    have = face_mesh.shape_key_names_of(obj)
    out, missing = {}, []
    for item in obj.styletalk_arkit_map:
        names, unknown = keys.resolve_key_names(item.keys, have)
        missing += unknown
        if names and item.arkit in ARKIT_NAMES:
            out[item.arkit] = names
    return out, missing


def arkit_weights_of(path: str, python: str | None) -> tuple:
    """(weights, fps) from an ARKit JSON, or from a curves file through the toolkit's solve (a
    jobs.ArkitJob, waited for: it takes well under a second)."""
    if path.lower().endswith(".json"):
        try:
            return read_arkit_json(path)
        except NotArkitJson:
            pass  # a curves JSON export: solve it like an .npz (an ARKit JSON with a defect is said as such)
    if python is None:
        raise StyleTalkError(f"{NO_TOOLKIT} (curves are solved by the toolkit)")
    with tempfile.TemporaryDirectory(prefix="styletalk_arkit_") as tmp:
        job = jobs.ArkitJob(python, path, os.path.join(tmp, "weights.json"))
        status = job.wait()
        if status != "ok":
            raise StyleTalkError(status)
        return job.result  # read_arkit_json's, as the job checked the file


def is_arkit_character(obj) -> bool:
    """A mesh some of whose shape keys carry ARKit names (matched now if its table is still empty)."""
    if obj is None or obj.type != "MESH" or not face_mesh.shape_key_names_of(obj):
        return False
    if not len(obj.styletalk_arkit_map):
        match_character(obj)
    return bool(table(obj)[0])


def apply_to_character(context, obj, path: str, op) -> bool:
    """Curves (solved by the toolkit) or ARKit weights keyed onto the object's mapped shape keys."""
    settings = context.scene.styletalk
    if not len(obj.styletalk_arkit_map):
        match_character(obj)
    mapping, missing = table(obj)
    if not mapping:
        op.report({"ERROR"}, f"{obj.name}: no shape key is mapped to an ARKit name (Match ARKit Names)")
        return False
    if missing:
        op.report({"WARNING"}, f"{obj.name} has no shape key named {', '.join(map(repr, missing[:6]))}: not keyed")
    python = toolkit_python(context)
    try:
        weights, fps = arkit_weights_of(path, python)
    except StyleTalkError as exc:
        op.report({"ERROR"}, str(exc))
        return False
    names, values = exports.keyed_columns(mapping, weights, ARKIT_NAMES)
    theirs = actions.playing_action(obj)
    try:
        keying = actions.Keying.of(settings)
        frames, action = actions.key_into_scene(context.scene, obj, names, values, fps, keying)
    except StyleTalkError as exc:
        op.report({"ERROR"}, f"{path}: {exc}")
        return False
    shapes = f"{len(frames)} frames x {len(mapping)} ARKit shapes ({len(names)} keys)"
    op.report({"INFO"}, f"{shapes} into action {action.name}{actions.kept_note(theirs)}")
    return True
