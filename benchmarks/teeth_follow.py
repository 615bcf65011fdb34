"""Teeth and a tongue that are parts of their own: do they follow the jaw? ICT-FaceKit's head as a DCC
hands it over (skin with its mouth socket, eyes, teeth, and gums with the tongue as four parts), at its
generic neutral and at random identities, gets our keys the way `styletalk retarget` adds them,
animated with a real clip; then, frame by frame:

  followers  the parts that got our keys beside the skin
  lower r    the lower teeth's mean vertical motion against the chin's (the skin vertex nearest our chin
             point)
  lower amp  the lower teeth's vertical range as a share of the chin's
  rigid      the worst frame's largest change of a distance within a lower tooth, share of its size
  upper      the upper teeth's largest motion, share of the mouth width (0: they stay)
  eyes       the eyes' largest motion, share of the mouth width
  s          time to find the face and transfer the keys

Usage: .venv/bin/python benchmarks/teeth_follow.py [--identities 2] [--pictures docs/teeth_follow.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from character_fit import SAMPLES, pick_frames  # noqa: E402

from styletalk_core.face.face_model import load_face_model, mouth_opening  # noqa: E402
from styletalk_core.face.landmarks import mouth_frame  # noqa: E402
from styletalk_core.formats.character import Additions, Character, Part, save_character  # noqa: E402
from styletalk_core.formats.labels import load_phoneme_labels  # noqa: E402
from styletalk_core.retarget.character import character_keys  # noqa: E402
from styletalk_core.retarget.correspondence import render_front, triangulate  # noqa: E402
from styletalk_core.retarget.locate import find_face  # noqa: E402
from styletalk_core.retarget.topology import components  # noqa: E402
from styletalk_core.style.clip import load_expression  # noqa: E402

ICT = ROOT.parent / "shared" / "reference" / "ict_facekit" / "ict_facekit.npz"
PARTS = {
    "Skin": ("face", "head_and_neck", "mouth_socket", "eye_socket_left", "eye_socket_right"),
    "Eyes": ("eyeball_left", "eyeball_right"),
    "Teeth": ("teeth",),
    "Tongue": ("gums_and_tongue",),
}
COLOURS = {
    "Skin": (0.82, 0.66, 0.56),
    "Eyes": (0.92, 0.92, 0.92),
    "Teeth": (0.96, 0.95, 0.86),
    "Tongue": (0.72, 0.3, 0.3),
}


def ict_in_parts(ict: dict, verts: np.ndarray, path: Path) -> Character:
    groups = json.loads(str(ict["vertex_groups"]))
    tris = triangulate(ict["faces"])
    parts = []
    for name, wanted in PARTS.items():
        ids = np.concatenate([np.arange(groups[g][0], groups[g][1] + 1) for g in wanted])
        index = np.full(len(verts), -1)
        index[ids] = np.arange(len(ids))
        parts.append(Part(name, verts[ids], index[tris[(index[tris] >= 0).all(1)]], np.eye(4)))
    character = Character(path.stem, parts)
    save_character(character, path)
    return character


def motion(add: Additions, exp: np.ndarray, n_vertices: int) -> np.ndarray:
    """(T, V, 3) a part's motion played by the curves on our 64 keys (object space = the character's)."""
    offsets = np.zeros((64, n_vertices, 3))
    offsets[:, add.indices] = add.offsets[:64]
    return np.einsum("tk,kvc->tvc", exp, offsets)


def measure(character: Character, path: Path, exp: np.ndarray) -> tuple[dict, dict]:
    t0 = time.perf_counter()
    found = find_face(path)
    adds = {a.part: a for a in character_keys(found)}
    seconds = time.perf_counter() - t0
    parts = {p.name: p for p in character.parts}
    moved = {
        n: motion(adds[n], exp, len(p.vertices)) if n in adds else np.zeros((len(exp), len(p.vertices), 3))
        for n, p in parts.items()
    }
    points = found.points.positions(found.geo.view, found.geo.tris)
    centre, width = mouth_frame(points)
    teeth = parts["Teeth"]
    label = components(teeth.triangles, len(teeth.vertices))
    pieces = [np.flatnonzero(label == k) for k in np.unique(label[teeth.triangles])]
    lower = [p for p in pieces if teeth.vertices[p, 1].mean() < centre[1]]
    upper = [p for p in pieces if teeth.vertices[p, 1].mean() >= centre[1]]
    skin = parts["Skin"].vertices
    chin = int(np.argmin(np.linalg.norm(skin - points[152], axis=1)))
    chin_dy = moved["Skin"][:, chin, 1]
    low = np.concatenate(lower)
    teeth_dy = moved["Teeth"][:, low, 1].mean(1)
    rng = np.random.default_rng(0)
    rigid = 0.0
    for piece in lower:
        pairs = piece[rng.integers(0, len(piece), (200, 2))]
        rest = teeth.vertices[pairs[:, 0]] - teeth.vertices[pairs[:, 1]]
        now = rest[None] + moved["Teeth"][:, pairs[:, 0]] - moved["Teeth"][:, pairs[:, 1]]
        change = np.abs(np.linalg.norm(now, axis=-1) - np.linalg.norm(rest, axis=-1)).max()
        rigid = max(rigid, float(change / np.ptp(teeth.vertices[piece], axis=0).max()))
    row = {
        "followers": ", ".join(a for a in adds if a != "Skin") or "none",
        "lower r": float(np.corrcoef(teeth_dy, chin_dy)[0, 1]),
        "lower amp": float(np.ptp(teeth_dy) / np.ptp(chin_dy)),
        "rigid": rigid,
        "upper": float(np.abs(moved["Teeth"][:, np.concatenate(upper)]).max() / width),
        "eyes": float(np.abs(moved["Eyes"]).max() / width),
        "s": seconds,
    }
    return row, moved


def picture(character: Character, moved: dict, picks: dict[str, int], target: Path, size: int = 300) -> None:
    """Front, close up, and the head cut at its midline seen from the side, at each picked frame."""
    from PIL import Image, ImageDraw

    sheet = Image.new("RGB", (size * len(picks), 2 * size + 24), "white")
    draw = ImageDraw.Draw(sheet)
    for j, (name, t) in enumerate(picks.items()):
        draw.text((j * size + 8, 6), f"{name} (frame {t})", fill="black")
        verts, tris, colours, n = [], [], [], 0
        for p in character.parts:
            verts.append(p.vertices + moved[p.name][t])
            tris.append(p.triangles + n)
            colours.append(np.tile(COLOURS[p.name], (len(p.vertices), 1)))
            n += len(p.vertices)
        v, f, c = np.concatenate(verts), np.concatenate(tris), np.concatenate(colours)
        mouth = v[(np.abs(v[:, 0]) < 4) & (v[:, 1] > -8) & (v[:, 1] < 1)]
        front = render_front(v, f, frame=mouth, size=size, margin=0.1, colors=c).rgb
        # the character's right half seen from its left, the cut open (the skin's inside is not drawn): the
        # teeth and tongue in the mouth, framed on the rest teeth
        half = f[(v[f][:, :, 0] < 0.05).all(1)]
        turn = lambda x: x[:, [2, 1, 0]] * [-1, 1, 1]  # noqa: E731
        side = render_front(turn(v), half, frame=turn(character.parts[2].vertices), size=size, margin=0.6, colors=c).rgb
        sheet.paste(Image.fromarray(front), (j * size, 24))
        sheet.paste(Image.fromarray(side), (j * size, 24 + size))
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target)
    print(f"wrote {target}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--identities", type=int, default=2, help="random ICT identities (at 1 sigma) besides the neutral")
    ap.add_argument("--pictures", type=Path, help="write the neutral head's mouth at rest, open and closed here")
    args = ap.parse_args()
    labelled = (SAMPLES / "phoneme" / f"{m.stem}_seq.json" for m in sorted((SAMPLES / "3DMM").glob("*.mat")))
    mat = SAMPLES / "3DMM" / f"{next(p for p in labelled if p.exists()).name.removesuffix('_seq.json')}.mat"
    exp = load_expression(mat)
    labels = load_phoneme_labels(SAMPLES / "phoneme" / f"{mat.stem}_seq.json")
    with np.load(ICT) as z:
        ict = {k: z[k] for k in ("neutral", "faces", "identity_deltas", "vertex_groups")}
    rng = np.random.default_rng(0)
    cols = ("lower r", "lower amp", "rigid", "upper", "eyes", "s")
    print(f"clip {mat.stem}: {len(exp)} frames")
    print(f"{'character':<22}" + "".join(f"{c:>11}" for c in cols) + "  followers")
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.identities + 1):
            verts = ict["neutral"].astype(np.float64)
            if i:
                w = rng.normal(size=len(ict["identity_deltas"]))
                verts = verts + np.einsum("i,ivc->vc", w / np.sqrt((w**2).mean()), ict["identity_deltas"])
            name = "ict_neutral_in_parts" if i == 0 else f"ict_{i}_1sigma_in_parts"
            path = Path(tmp) / f"{name}.npz"
            character = ict_in_parts(ict, verts, path)
            row, moved = measure(character, path, exp)
            print(f"{name:<22}" + "".join(f"{row[c]:>11.3f}" for c in cols) + f"  {row['followers']}", flush=True)
            if i == 0 and args.pictures is not None:
                face = load_face_model()
                ours = mouth_opening(face.mean + np.einsum("tk,kvc->tvc", exp, face.basis))
                picture(character, moved, pick_frames(labels, ours), args.pictures)


if __name__ == "__main__":
    main()
