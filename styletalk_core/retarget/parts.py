"""Which part of a character is which: the face skin (the part that gets the keys), its eyes, teeth,
tongue, brows and hair, and the body. By the names DCC tools and rigs give parts, then by what the
parts hold (facial shape keys, size); a one-part character is its own face."""

from __future__ import annotations

import re

import numpy as np

from ..formats.character import Character, Part
from ..formats.errors import InputError

# checked in this order: "eyebrow" and "eyelash" are brows before they are eyes
ROLE_WORDS = (
    ("brows", ("brow", "lash")),
    ("tongue", ("tongue",)),
    ("teeth", ("teeth", "tooth", "gum", "dental")),
    ("eyes", ("eye", "iris", "cornea", "pupil", "sclera", "occlusion", "tearline")),
    ("hair", ("hair", "beard", "moustache", "mustache")),
    (
        "body",
        (
            "body",
            "torso",
            "arm",
            "leg",
            "hand",
            "foot",
            "feet",
            "shoe",
            "boot",
            "cloth",
            "shirt",
            "pant",
            "shoulder",
            "glove",
            "skirt",
            "dress",
        ),
    ),
)
FACE_WORDS = ("head", "face")
FACIAL_KEYS = re.compile(r"jaw|mouth|lip|smile|blink|brow|cheek|vowel|viseme|^[a-z]{1,2}$|open|angry|surprise|sad")
HELPER_ROLES = ("eyes", "teeth", "tongue", "brows")
JAW_ROLES = ("teeth", "tongue", "other")  # parts that may hold pieces inside the mouth


def _words(name: str) -> list[str]:
    """Lower-case words of a name, split at case changes, digits and punctuation (`LeftEye_GEO` ->
    left, eye, geo)."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z]+", spaced.lower()) if w]


def role_by_name(name: str) -> str:
    words = _words(name)
    for role, stems in ROLE_WORDS:
        if any(w.startswith(s) or w.removesuffix("es").endswith(s) or w.endswith(s) for w in words for s in stems):
            return role
    return "face" if any(w in FACE_WORDS for w in words) else "other"


def _facial_keys(part: Part) -> int:
    return sum(bool(FACIAL_KEYS.search(n.lower())) for n in part.target_names)


def classify(character: Character) -> Part:
    """Give every part a role; returns the face skin (a part already marked as the face, e.g. the one
    the user made active in Blender, stays the face)."""
    if not character.parts:
        raise InputError(f"{character.source}: has no mesh with faces")
    chosen = [p for p in character.parts if p.role == "face"]
    for p in character.parts:
        p.role = role_by_name(p.name)
    candidates = [p for p in character.parts if p.role in ("face", "other")] or list(character.parts)
    face = (
        chosen[0]
        if chosen
        else max(candidates, key=lambda p: (_facial_keys(p), p.role == "face", len(p.target_names), len(p.vertices)))
    )
    face.role = "face"
    for p in character.parts:
        if p is not face and p.role == "face":
            p.role = "other"
    return face


def helpers_near(character: Character, face: Part, roles: tuple[str, ...] = HELPER_ROLES) -> list[Part]:
    """Parts of these roles (by default eyes, teeth, tongue and brows: rendered with the face, so the
    detector sees a face rather than holes where they sit) within the face part's bounds."""
    lo, hi = face.vertices.min(0), face.vertices.max(0)
    pad = 0.05 * (hi - lo)
    out = []
    for p in character.parts:
        if p is face or p.role not in roles:
            continue
        centre = 0.5 * (p.vertices.min(0) + p.vertices.max(0))
        if np.all(centre >= lo - pad) and np.all(centre <= hi + pad):
            out.append(p)
    return out
