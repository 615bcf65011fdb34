"""docs/arkit_shapes.png: our face with a few ARKit shapes at weight 1 (top) beside the same ICT-FaceKit
shape (bottom), for a person to check the ARKit basis.

Usage: .venv/bin/python scripts/make_arkit_picture.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.arkit import ARKIT_NAMES
from styletalk_core.retarget.arkit import load_arkit_basis
from styletalk_core.retarget.correspondence import render_front, triangulate

ROOT = Path(__file__).resolve().parents[1]
ICT = ROOT.parent / "shared" / "reference" / "ict_facekit" / "ict_facekit.npz"
SHAPES = ("jawOpen", "mouthSmileLeft", "mouthPucker", "eyeBlinkLeft", "browInnerUp")
ICT_SOURCES = {
    "mouthSmileLeft": ["mouthSmile_L"],
    "eyeBlinkLeft": ["eyeBlink_L"],
    "browInnerUp": ["browInnerUp_L", "browInnerUp_R"],
}
SIZE = 256


def main() -> None:
    face, basis = load_face_model(), load_arkit_basis()
    flip = np.array([1.0, -1.0, -1.0])  # our pixels (y down, z away) -> face towards +z, y up
    with np.load(ICT) as z:
        ict = {k: z[k] for k in ("neutral", "faces", "expression_names", "expression_deltas", "landmarks_multipie68")}
    names = [str(n) for n in ict["expression_names"]]
    tris = triangulate(ict["faces"])
    frame = ict["neutral"][ict["landmarks_multipie68"]]
    sheet = Image.new("RGB", (SIZE * len(SHAPES), 2 * SIZE + 24), "white")
    draw = ImageDraw.Draw(sheet)
    for i, shape in enumerate(SHAPES):
        ours = (face.mean + basis.basis[ARKIT_NAMES.index(shape)]) * flip
        top = render_front(ours, face.triangles, frame=face.mean * flip, size=SIZE, margin=0.1).rgb
        delta = sum(ict["expression_deltas"][names.index(n)] for n in ICT_SOURCES.get(shape, [shape]))
        bottom = render_front(ict["neutral"] + delta, tris, frame=frame, size=SIZE, margin=0.35).rgb
        sheet.paste(Image.fromarray(top), (i * SIZE, 24))
        sheet.paste(Image.fromarray(bottom), (i * SIZE, 24 + SIZE))
        draw.text((i * SIZE + 8, 6), f"{shape} = 1 (ours above, ICT below)", fill="black")
    out = ROOT / "docs" / "arkit_shapes.png"
    sheet.save(out)
    print(out)


if __name__ == "__main__":
    main()
