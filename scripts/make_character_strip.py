"""docs/character_speaking.png: an ICT-FaceKit identity (another topology, no shape keys of its own)
given our 64 keys by `styletalk retarget`, animated with a real clip's expression, beside our face at
the same frames: rest, an open vowel (AA/AE/AY), a rounded vowel (OW/UW), a closed bilabial (B/M/P).

Usage: .venv/bin/python scripts/make_character_strip.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from styletalk_core.face.face_model import load_face_model, mouth_opening
from styletalk_core.formats.character import load_additions
from styletalk_core.formats.labels import PHONEME_IDS, load_phoneme_labels
from styletalk_core.retarget.character import retarget_file
from styletalk_core.retarget.correspondence import render_front, triangulate
from styletalk_core.style.clip import load_expression

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
SAMPLES = SHARED / "official_samples" / "samples" / "source_video"
VISEMES = {"open vowel": ("AA", "AE", "AY"), "rounded vowel": ("OW", "UW"), "closed bilabial": ("B", "M", "P")}
SIZE = 256


def pick_frames(labels: np.ndarray, opening: np.ndarray) -> dict[str, int]:
    """Rest (the most closed silent frame), then per viseme the frame of that class whose opening is
    the most typical of it: widest for open vowels, narrowest for bilabials, median for rounding."""
    n = min(len(labels), len(opening))
    labels, opening = labels[:n], opening[:n]
    out = {"rest": int(np.flatnonzero(labels == PHONEME_IDS["SIL"])[0])}
    for name, symbols in VISEMES.items():
        idx = np.flatnonzero(np.isin(labels, [PHONEME_IDS[s] for s in symbols]))
        order = idx[np.argsort(opening[idx])]
        out[name] = int({"open vowel": order[-1], "closed bilabial": order[0]}.get(name, order[len(order) // 2]))
    return out


def main() -> None:
    with np.load(SHARED / "ict_facekit" / "ict_facekit.npz") as z:
        ict = {k: z[k] for k in ("neutral", "faces", "identity_deltas", "landmarks_multipie68", "vertex_groups")}
    rng = np.random.default_rng(5)
    w = rng.normal(size=len(ict["identity_deltas"]))
    verts = ict["neutral"] + np.einsum("i,ivc->vc", 2.0 * w / np.sqrt((w**2).mean()), ict["identity_deltas"])
    tris = triangulate(ict["faces"])
    mat = next(
        m for m in sorted((SAMPLES / "3DMM").glob("*.mat")) if (SAMPLES / "phoneme" / f"{m.stem}_seq.json").exists()
    )
    exp = load_expression(mat)
    labels = load_phoneme_labels(SAMPLES / "phoneme" / f"{mat.stem}_seq.json")
    face = load_face_model()
    ours = face.mean + np.einsum("tk,kvc->tvc", exp, face.basis)
    frames = pick_frames(labels, mouth_opening(ours))
    with tempfile.TemporaryDirectory() as tmp:
        obj, curves, out = Path(tmp, "head.obj"), Path(tmp, "c.npz"), Path(tmp, "head_additions.npz")
        obj.write_text(
            "".join(f"v {a} {b} {c}\n" for a, b, c in verts)
            + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in tris)
        )
        np.savez(curves, exp=exp, fps=np.float32(30))
        retarget_file(obj, curves, out)  # the additions alone: keys at the moving vertices, weights
        added = load_additions(out)[0]  # the head (one part)
    deltas = np.zeros((len(added.names), len(verts), 3))  # the OBJ's vertices, in order (Blender's OBJ import keeps it)
    deltas[:, added.indices] = added.offsets
    colors = np.tile([0.82, 0.66, 0.56], (len(verts), 1))  # skin; the inside of the mouth dark, as an artist would
    for group, rgb in (
        ("mouth_socket", (0.25, 0.08, 0.08)),
        ("gums_and_tongue", (0.45, 0.15, 0.15)),
        ("teeth", (0.85, 0.83, 0.78)),
    ):
        first, last = json.loads(str(ict["vertex_groups"]))[group]
        colors[first : last + 1] = rgb
    flip = np.array([1.0, -1.0, -1.0])  # our pixels (y down, z away) -> face towards +z, y up
    frame = verts[ict["landmarks_multipie68"]]
    sheet = Image.new("RGB", (SIZE * len(frames), 2 * SIZE + 40), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (name, t) in enumerate(frames.items()):
        top = render_front(ours[t] * flip, face.triangles, frame=face.mean * flip, size=SIZE, margin=0.1).rgb
        posed = verts + np.einsum("k,kvc->vc", added.weights[t], deltas)
        bottom = render_front(posed, tris, frame=frame, size=SIZE, margin=0.35, colors=colors).rgb
        sheet.paste(Image.fromarray(top), (i * SIZE, 40))
        sheet.paste(Image.fromarray(bottom), (i * SIZE, 40 + SIZE))
        symbol = "SIL" if name == "rest" else next(s for s, k in PHONEME_IDS.items() if k == labels[t])
        draw.text((i * SIZE + 8, 6), f"{name}: {symbol}, frame {t}", fill="black")
        draw.text((i * SIZE + 8, 22), "our face (top), the character (bottom)", fill="gray")
    target = ROOT / "docs" / "character_speaking.png"
    sheet.save(target)
    print(target, json.dumps(frames))


if __name__ == "__main__":
    main()
