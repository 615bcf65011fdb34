"""Build the ARKit-52 basis on our face model from ICT-FaceKit (MIT): styletalk_core/data/arkit_basis.npz
and arkit_basis.md (provenance, fit numbers, the ICT licence notice).

ICT's head is rendered from the front with the jaw slightly open (so the inner-lip landmarks land on
the right lip), MediaPipe's face mesh runs on the render, its 468 landmarks are cast back onto ICT's
surface as barycentric points, and ICT's expression offsets at those points are brought into our
face model's frame by a similarity fit of the two neutrals.

Usage: .venv/bin/python scripts/build_arkit_basis.py [--ict ../shared/reference/ict_facekit]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.face.landmarks import LIP_VERTICES, similarity_fit
from styletalk_core.formats.arkit import ARKIT_NAMES
from styletalk_core.resources import ARKIT_BASIS_FILE
from styletalk_core.retarget.correspondence import find_correspondence, triangulate

ICT = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ict_facekit"
JAW_OPEN_FOR_DETECTION = 0.2  # of ICT's jawOpen: lips apart on the render, landmarks on the right lip
PAIRED = ("browInnerUp", "cheekPuff")  # one ARKit shape; ICT splits each into _L and _R
ABSENT = ("tongueOut",)  # ICT has no tongue shape: kept at zero


def ict_name(arkit: str, names: list[str]) -> str:
    """ICT's spelling: `eyeBlinkLeft` -> `eyeBlink_L`; names that are directions themselves
    (`jawLeft`, `mouthRight`) are spelt as in ARKit."""
    for side, suffix in (("Left", "_L"), ("Right", "_R")):
        if arkit.endswith(side) and arkit.removesuffix(side) + suffix in names:
            return arkit.removesuffix(side) + suffix
    return arkit


def ict_deltas_at(points, tris, deltas: np.ndarray, names: list[str]) -> np.ndarray:
    """(52, 468, 3) ICT offsets at the points, in ARKit's order (paired shapes summed, absent ones 0)."""
    out = np.zeros((len(ARKIT_NAMES), len(points.triangles), 3))
    for k, arkit in enumerate(ARKIT_NAMES):
        if arkit in ABSENT:
            continue
        sources = [f"{arkit}_L", f"{arkit}_R"] if arkit in PAIRED else [ict_name(arkit, names)]
        out[k] = sum(points.positions(deltas[names.index(s)], tris) for s in sources)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ict", type=Path, default=ICT)
    args = ap.parse_args()
    with np.load(args.ict / "ict_facekit.npz") as z:
        ict = {k: z[k] for k in z.files}
    names = [str(n) for n in ict["expression_names"]]
    tris = triangulate(ict["faces"])
    neutral, deltas = ict["neutral"].astype(np.float64), ict["expression_deltas"].astype(np.float64)
    detect_on = neutral + JAW_OPEN_FOR_DETECTION * deltas[names.index("jawOpen")]
    frame = detect_on[ict["landmarks_multipie68"]]
    first, last = json.loads(str(ict["vertex_groups"]))["face"]
    skin = (tris >= first).all(1) & (tris <= last).all(1)  # the face's skin: not teeth, gums or eyeballs
    corr = find_correspondence(detect_on, tris, frame=frame, source="ICT-FaceKit neutral", skin=skin)
    face = load_face_model()
    ours = face.mean.astype(np.float64)
    at_points = corr.points.positions(neutral, tris)
    scale, rot, trans, rms = similarity_fit(at_points, ours)
    basis = scale * np.einsum("kpc,dc->kpd", ict_deltas_at(corr.points, tris, deltas, names), rot)
    lips = list(LIP_VERTICES)
    fitted = scale * at_points @ rot.T + trans
    lip_rms = float(np.sqrt(((fitted[lips] - ours[lips]) ** 2).sum(1).mean()))
    axis_rms = [round(float(r), 3) for r in np.sqrt(((fitted - ours) ** 2).mean(0))]
    provenance = {
        "built_by": "scripts/build_arkit_basis.py",
        "source": "ICT-FaceKit light model (github.com/ICT-VGL/ICT-FaceKit, commit da5f95a), MIT License, "
        "Copyright (c) 2020 USC Institute for Creative Technologies",
        "correspondence": "front render of ICT's neutral with jawOpen 0.2 -> MediaPipe 0.10.21 face mesh "
        "(468 landmarks) -> barycentric points on ICT's face skin (not teeth or mouth interior)",
        "similarity_fit": {"scale_px_per_cm": scale, "rms_px": rms, "lip_rms_px": lip_rms, "xyz_rms_px": axis_rms},
        "paired_from_L_R": list(PAIRED),
        "zero": list(ABSENT),
        "units": "pixels of our 256x256 face crop per unit weight (x right, y down, z away)",
    }
    ARKIT_BASIS_FILE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        ARKIT_BASIS_FILE,
        names=np.array(ARKIT_NAMES),
        basis=basis.astype(np.float32),
        provenance=np.array(json.dumps(provenance)),
    )
    report = REPORT.format(
        scale=scale, rms=rms, lip_rms=lip_rms, ax=axis_rms, licence=(args.ict / "LICENSE").read_text().strip()
    )
    ARKIT_BASIS_FILE.with_suffix(".md").write_text(report)
    print(report)


REPORT = """# ARKit-52 basis on the embedded face model (`arkit_basis.npz`)

Built by `scripts/build_arkit_basis.py` from ICT-FaceKit's light model (MIT, notice below): `basis`
(52, 468, 3) float32, the displacement of each of our 468 vertices per unit weight of each ARKit
blendshape, in ARKit's order (`names`), pixels of our 256² crop.

- Correspondence: ICT's neutral head with jawOpen 0.2 rendered from the front (pyrender), MediaPipe's
  468-point face mesh on the render, each landmark cast back onto ICT's surface as a barycentric point
  (`styletalk_core.retarget.correspondence`).
- Frame: similarity fit of ICT's neutral at those points to our mean face: scale {scale:.3f} px/cm,
  RMS residual {rms:.2f} px over all 468 points ({lip_rms:.2f} px over the 40 lip points; 256² crop). Per axis:
  **x {ax[0]:.2f}, y {ax[1]:.2f}** (the image plane, where the landmarks are measured), z {ax[2]:.2f} px:
  MediaPipe's depth is a rough estimate (its lips stand out further than ICT's), so most of the residual
  is depth.
- `browInnerUp` and `cheekPuff` are ICT's `_L` + `_R` shapes together. ICT has no `tongueOut`: its basis is
  zero, so solved weights for it are always 0.

## ICT-FaceKit licence

```
{licence}
```
"""

if __name__ == "__main__":
    main()
