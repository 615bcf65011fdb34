"""A batch manifest: one take per line of a CSV (with a header) or a JSONL file, checked whole before
any work starts, so every bad line is reported at once with its line number.

Fields (paths are relative to the manifest's folder):
  id               the take's name: its folder under the output folder (letters, digits, . _ -)
  audio            the line's recording (wav, mp3, flac, ... anything `styletalk phonemes` reads)
  transcript       the line's script, optional (forced alignment); or transcript_file, a text file
  language         the language it is spoken in, a BCP-47 / ISO 639 code (es, pt-BR, ja, zh; default en)
  sync_offset      milliseconds the mouth is moved later (negative: earlier) against the sound (default:
                   the batch's --sync-offset, else 0)
  style            one or more style sources separated by ';': a clip (.mat/.npz), a video, or preset:NAME
  style_weights    their mixing weights, ';'-separated (default: equal)
  style_strength   0 neutral, 1 the clip's style, >1 exaggerated (default 1)
  pose             an optional head-pose file
  character        a character file (.glb/.gltf/.fbx/.obj, face towards +z, y up) for the glb/fbx outputs:
                   it with our 64 keys, animated by the take
  landmarks        for a character whose face the detector cannot read: a JSON of points placed on it
                   (styletalk retarget --landmarks)
  image            a reference face image for the render output (the neural renderer's photoreal video)
  outputs          ';'-separated output kinds (formats.outputs: curves, csv, arkit-csv, glb, ...; default:
                   curves)
In JSONL, style, style_weights and outputs may also be lists."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..formats.errors import InputError
from ..formats.labelling import read_transcript
from ..formats.languages import DEFAULT_LANGUAGE, LANGUAGES, Language, language
from ..formats.outputs import KINDS, OutputKind, output_kind, register
from ..formats.style import PRESET_PREFIX, StyleSpec, check_style_settings
from ..formats.timebase import check_sync_offset
from ..retarget import arkit  # noqa: F401 (registers the ARKit exports)
from .folder import RESERVED

# what a take can ask for beyond the curves' own exports (formats.export, retarget.arkit register those)
register(
    OutputKind("glb", "character.glb", "the take's character with our keys, animated (glTF binary)", character=True),
    OutputKind("fbx", "character.fbx", "the take's character with our keys, animated (FBX)", character=True),
    # the renderer's videos: the core does not import the renderer, the caller hands their writers in
    OutputKind(
        "preview",
        "preview.mp4",
        "a preview video of the face with the take's sound",
        handed="the renderer's preview writer (the styletalk batch command has it)",
    ),
    OutputKind(
        "render",
        "render.mp4",
        "the neural renderer's photoreal video of the take's image",
        handed="renderer weights (styletalk batch --renderer WEIGHTS)",
    ),
)
CHARACTER_SUFFIXES = (".glb", ".gltf", ".fbx", ".obj")
FIELDS = (
    "id",
    "audio",
    "transcript",
    "transcript_file",
    "language",
    "sync_offset",
    "style",
    "style_weights",
    "style_strength",
    "pose",
    "character",
    "landmarks",
    "image",
    "outputs",
)
MAX_PATH_CHARS = 4096
MAX_TRANSCRIPT_BYTES = 4_000_000  # the labeller reads at most 1,000,000 characters
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Take:
    id: str
    line: int
    audio: Path
    transcript: str | None
    transcript_file: Path | None
    styles: tuple[StyleSpec, ...]
    strength: float
    pose: Path | None
    outputs: tuple[str, ...]
    character: Path | None = None
    image: Path | None = None
    landmarks: Path | None = None
    language: Language = field(default_factory=lambda: LANGUAGES[DEFAULT_LANGUAGE])
    sync_offset_ms: float | None = None  # None on its line: the batch's
    lip_closure: bool = True  # the batch's (--no-lip-closure)


@dataclass(frozen=True)
class Problem:
    line: int
    id: str
    reason: str


def _lines(text: str) -> list[str]:
    """JSONL lines, split on \\n (and \\r\\n) only: str.splitlines also splits on U+2028, form feeds
    and NEL, which a JSON string may hold."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, fields) of every non-empty line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the manifest: {exc}") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))  # a quoted field keeps its newlines
        unknown = sorted(set(reader.fieldnames or ()) - set(FIELDS))
        if not reader.fieldnames or unknown:
            raise InputError(
                f"{path}: unknown manifest column {unknown[0] if unknown else '(no header)'!r}; "
                f"columns are {', '.join(FIELDS)}"
            )
        return _csv_rows(reader, path)
    if path.suffix.lower() != ".jsonl":
        raise InputError(f"{path}: a manifest is a .csv (with a header) or a .jsonl file")
    rows = []
    for n, line in enumerate(_lines(text), 1):
        if line.strip():
            try:
                row = json.loads(line)
            except ValueError as exc:
                row = {"_error": f"not JSON: {exc}"}
            except RecursionError:
                row = {"_error": "not a manifest line: JSON nested too deeply"}
            rows.append((n, row if isinstance(row, dict) else {"_error": "not a JSON object"}))
    return rows


def _csv_rows(reader: csv.DictReader, path: Path) -> list[tuple[int, dict]]:
    """(line number, fields) of every non-empty CSV row; a row with more fields than the header is its
    line's problem, a field past the csv module's limit (128 KB) the manifest's."""
    rows = []
    try:
        for row in reader:
            if None in row:
                row = {"id": row.get("id"), "_error": f"{len(row[None])} more fields than the header has"}
            if any(str(v or "").strip() for v in row.values()):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}") from None
    return rows


def _items(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _file(base: Path, value: str, what: str) -> Path:
    shown = repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    if len(value) > MAX_PATH_CHARS or "\0" in value:
        raise InputError(f"{what} {shown} is not a file name (over {MAX_PATH_CHARS} characters, or a NUL)")
    p = Path(os.path.expanduser(value))
    p = p if p.is_absolute() else base / p
    try:
        found = p.is_file()
    except OSError as exc:  # a name too long for the file system, a loop of links
        raise InputError(f"{what} {shown} cannot be read: {exc.strerror}") from None
    if not found:
        raise InputError(f"{what} {shown} is not a file")
    return p


def _transcript_text(path: Path) -> str:
    """A transcript file's text, or its line's problem: too large, or not UTF-8."""
    if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
        raise InputError(f"transcript_file {path.name!r} is over {MAX_TRANSCRIPT_BYTES:,} bytes")
    return read_transcript(path)


def _styles(base: Path, row: dict) -> tuple[StyleSpec, ...]:
    sources = _items(row.get("style"))
    if not sources:
        raise InputError("no style")
    weights = _items(row.get("style_weights")) or ["1"] * len(sources)
    if len(weights) != len(sources):
        raise InputError(f"{len(weights)} style weights for {len(sources)} styles")
    try:
        values = [float(w) for w in weights]
    except ValueError:
        raise InputError(f"style weights {weights} are not numbers") from None
    return tuple(
        StyleSpec(s if s.startswith(PRESET_PREFIX) else _file(base, s, "style"), w)
        for s, w in zip(sources, values, strict=True)
    )


def _character(base: Path, row: dict, outputs: tuple[str, ...]) -> Path | None:
    wanted = [o for o in outputs if KINDS[o].character]
    if not row.get("character"):
        if wanted:
            raise InputError(f"output {wanted[0]!r} needs a character file (the character field)")
        return None
    path = _file(base, str(row["character"]), "character")
    if path.suffix.lower() not in CHARACTER_SUFFIXES:
        raise InputError(f"character {row['character']!r} is not a {', '.join(CHARACTER_SUFFIXES)} file")
    return path


def _take(base: Path, line: int, row: dict) -> Take:
    if "_error" in row:
        raise InputError(row["_error"])
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}")
    take_id = str(row.get("id") or "").strip()
    if not ID_PATTERN.fullmatch(take_id):
        raise InputError(f"id {take_id!r} is not a name of letters, digits, '.', '_' or '-'")
    if take_id.lower() in {name.lower() for name in RESERVED}:
        raise InputError(f"id {take_id!r} is the batch's own file in the output folder; choose another")
    outputs = tuple(_items(row.get("outputs"))) or ("curves",)
    for name in outputs:
        output_kind(name)
    try:
        strength = float(row.get("style_strength") or 1.0)
    except (TypeError, ValueError):
        raise InputError(f"style_strength {str(row.get('style_strength'))[:40]!r} is not a number") from None
    text = str(row.get("transcript") or "").strip() or None
    spoken = language(row.get("language") or DEFAULT_LANGUAGE, "language")
    offset = _sync_offset(row.get("sync_offset"))
    tfile = _file(base, str(row["transcript_file"]), "transcript_file") if row.get("transcript_file") else None
    if tfile is not None:
        text = _transcript_text(tfile)  # read once: the text labelled and hashed is this one
    pose = _file(base, str(row["pose"]), "pose") if row.get("pose") else None
    posed = [o for o in outputs if KINDS[o].needs_pose]
    if posed and pose is None:
        raise InputError(f"output {posed[0]!r} ({KINDS[posed[0]].description}) holds a head pose: give the pose field")
    audio = _file(base, str(row.get("audio") or ""), "audio")
    styles = _styles(base, row)
    check_style_settings(styles, strength)  # weights and strength as `generate` takes them
    character = _character(base, row, outputs)
    image = _file(base, str(row["image"]), "image") if row.get("image") else None
    if "render" in outputs and image is None:
        raise InputError("output 'render' needs a reference face image (the image field)")
    landmarks = _file(base, str(row["landmarks"]), "landmarks") if row.get("landmarks") else None
    if landmarks is not None and character is None:
        raise InputError("landmarks are placed on a character: give the character field too")
    return Take(
        take_id,
        line,
        audio,
        text,
        tfile,
        styles,
        strength,
        pose,
        tuple(dict.fromkeys(outputs)),
        character,
        image,
        landmarks,
        spoken,
        offset,
    )


def _sync_offset(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        number = value
    return check_sync_offset(number, "sync_offset")


def read_manifest(
    path: str | os.PathLike, sync_offset_ms: float = 0.0, lip_closure: bool = True
) -> tuple[list[Take], list[Problem]]:
    """The manifest's takes, and a Problem for every line that cannot be a take (a missing file, an
    unknown field or output, a bad weight, a repeated id); `sync_offset_ms` for takes without one, and
    `lip_closure` for all (the batch's)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: the manifest is not a file")
    takes, problems, seen = [], [], set()
    for line, row in _rows(p):
        try:
            take = _take(p.parent, line, row)
        except InputError as exc:
            problems.append(Problem(line, str(row.get("id") or ""), str(exc)))
            continue
        take = replace(take, lip_closure=lip_closure)
        if take.sync_offset_ms is None:
            take = replace(take, sync_offset_ms=sync_offset_ms)
        if take.id in seen:
            problems.append(Problem(line, take.id, f"id {take.id!r} is used by an earlier line"))
            continue
        seen.add(take.id)
        takes.append(take)
    return takes, problems
