"""ICT-FaceKit identities as stand-in animators' characters: sampling, the 68-landmark reference and
one identity's fit. Shared by tests/retarget/test_character.py and benchmarks/ict_identities.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from styletalk_core.face.face_model import load_face_model, mouth_opening
from styletalk_core.retarget.correspondence import SurfacePoints, cast_to_surface, find_correspondence, triangulate
from styletalk_core.retarget.targets import character_basis, solve_onto

REF = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
JAW_OPEN = 0.2


def load_ict() -> dict:
    with np.load(REF / "ict_facekit" / "ict_facekit.npz") as z:
        ict = {k: z[k] for k in z.files}
    ict["tris"] = triangulate(ict["faces"])
    first, last = json.loads(str(ict["vertex_groups"]))["face"]
    ict["skin"] = (ict["tris"] >= first).all(1) & (ict["tris"] <= last).all(1)
    return ict


def identity(ict: dict, sigma: float, rng: np.random.Generator) -> np.ndarray:
    w = rng.normal(size=len(ict["identity_deltas"]))
    w *= sigma / np.sqrt((w**2).mean())
    return ict["neutral"] + np.einsum("i,ivc->vc", w, ict["identity_deltas"])


def landmark_map(ict: dict) -> SurfacePoints:
    """ICT's 68 Multi-PIE landmarks as points on our face mesh (triangle of our 468 points and
    barycentric weights, in the front view), calibrated once on ICT's generic neutral; on another
    identity, the same weights of the points found there say where the correspondence puts them."""
    face = load_face_model()
    corr = find_correspondence(
        ict["neutral"], ict["tris"], frame=ict["neutral"][ict["landmarks_multipie68"]], skin=ict["skin"]
    )
    points = corr.points.positions(ict["neutral"], ict["tris"])
    lm = ict["neutral"][ict["landmarks_multipie68"]]
    return cast_to_surface(lm[:, :2], points, face.triangles.astype(np.int64))


def fit_identity(ict: dict, verts: np.ndarray, lm_map: SurfacePoints, exp: np.ndarray) -> dict:
    face = load_face_model()
    lm = verts[ict["landmarks_multipie68"]]
    # detected with the jaw slightly open, so the inner-lip landmarks land on the right lip
    names = [str(n) for n in ict["expression_names"]]
    opened = verts + JAW_OPEN * ict["expression_deltas"][names.index("jawOpen")]
    corr = find_correspondence(opened, ict["tris"], frame=lm, skin=ict["skin"], source="identity")
    points = corr.points.positions(verts, ict["tris"])
    width = np.linalg.norm(lm[16] - lm[0])  # jaw line, ear to ear
    off = lm_map.positions(points, load_face_model().triangles.astype(np.int64)) - lm
    err, err_2d = np.linalg.norm(off, axis=1) / width, np.linalg.norm(off[:, :2], axis=1) / width
    keys, rms = character_basis(corr.points, ict["tris"], verts, ict["expression_deltas"], face)
    w = solve_onto(exp, keys, face)
    theirs = np.tensordot(w, keys, 1)
    ours = np.tensordot(exp, face.basis, 1)
    lip_r = float(np.corrcoef(mouth_opening(theirs), mouth_opening(ours))[0, 1])
    return {
        "landmark err": float(err.mean()),
        "front view": float(err_2d.mean()),
        "jaw line": float(err[:17].mean()),
        "inner 51": float(err[17:].mean()),
        "fit rms px": rms,
        "lip r": lip_r,
    }


def opening_at_points(ict: dict, rest: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """The character's mouth opening at its corresponding inner-lip points, found as the toolkit finds
    them (y up). ICT's own lip vertices are no reference: at 2 sigma its lips overlap."""
    points = find_correspondence(rest, ict["tris"]).points
    return -mouth_opening(points.positions(frames, ict["tris"]))


def transfer_fidelity(ict: dict, rest: np.ndarray, frames: np.ndarray, exp: np.ndarray) -> dict:
    """How a character animated with transferred keys (frames (T, V, 3), ICT's axes) follows our face
    animated with the same curves: lip r, amplitude in the character's size, the largest motion
    outside the face, and the lips' travel, the last two as shares of the face width."""
    from styletalk_core.face.landmarks import similarity_fit

    face = load_face_model()
    ours = mouth_opening(np.tensordot(exp, face.basis, 1))
    found = find_correspondence(rest, ict["tris"]).points
    theirs = -mouth_opening(found.positions(frames, ict["tris"]))  # y up
    points = found.positions(rest, ict["tris"])
    scale = 1 / similarity_fit(points, face.mean.astype(np.float64))[0]
    lm = rest[ict["landmarks_multipie68"]]
    width = np.linalg.norm(lm[16] - lm[0])
    first, last = json.loads(str(ict["vertex_groups"]))["head_and_neck"]
    outside = np.linalg.norm(frames[:, first : last + 1] - rest[first : last + 1], axis=-1).max()
    return {
        "lip r": float(np.corrcoef(theirs, ours)[0, 1]),
        "amplitude": float(theirs.std() / (ours.std() * scale)),
        "outside": float(outside / width),
        "lip travel": float(np.ptp(theirs) / width),
    }
