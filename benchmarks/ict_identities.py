"""Characters of another topology: ICT-FaceKit identities (26k vertices, no shared vertex order with
ours) sampled at 1 and 2 sigma. Per identity: is the face found automatically on its front render,
how far are the found points from the 68 Multi-PIE landmarks ICT knows (share of the face width; the
landmarks are placed on our mesh once, on ICT's generic neutral; in 3-D, in the front view the detector
works in, and for the 17 jaw-line points, silhouette points whose depth is ill-defined, apart),
and how well do its own 53 shape keys, solved from a real clip's curves, reproduce our lip motion.

Usage: .venv/bin/python benchmarks/ict_identities.py [--identities 10]
Then our 64 keys transferred onto each identity: lip r and amplitude against our face, the largest motion
outside the face, and the lips' travel.
(goals: found on >= 9 of 10, landmark error <= 2% of the face width, lip-motion r >= 0.9; transfer: lip
r >= 0.9, amplitude 0.7-1.3, outside < 1% of the face width)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from styletalk_core.face.face_model import load_face_model  # noqa: E402
from styletalk_core.face.landmarks import similarity_fit  # noqa: E402
from styletalk_core.formats.errors import InputError  # noqa: E402
from styletalk_core.retarget.correspondence import find_correspondence  # noqa: E402
from styletalk_core.retarget.locate import MAX_FIT_RMS_PX  # noqa: E402
from styletalk_core.retarget.transfer import transfer_basis  # noqa: E402
from styletalk_core.style.clip import load_expression  # noqa: E402
from tests.ict_characters import REF, fit_identity, identity, landmark_map, load_ict, transfer_fidelity  # noqa: E402


def face_fit(verts: np.ndarray, tris: np.ndarray) -> float:
    """The residual (px of our face) the toolkit judges a mesh by."""
    points = find_correspondence(verts, tris).points.positions(verts, tris)
    return similarity_fit(points, load_face_model().mean.astype(np.float64))[3]


def transferred(ict: dict, verts: np.ndarray, exp: np.ndarray) -> dict:
    """The CLI's transfer path on an identity: found without hints, keys transferred, curves applied."""
    face = load_face_model()
    points = find_correspondence(verts, ict["tris"]).points
    deltas = transfer_basis(verts, ict["tris"], points, face.basis, face).dense(len(verts))
    return transfer_fidelity(ict, verts, verts[None] + np.einsum("tk,kvc->tvc", exp, deltas), exp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--identities", type=int, default=10)
    args = ap.parse_args()
    ict, rng = load_ict(), np.random.default_rng(0)
    lm_map = landmark_map(ict)
    exp = load_expression(sorted((REF / "official_samples/samples/source_video/3DMM").glob("*.mat"))[0])
    rows, moved, found = [], [], 0
    cols = ("landmark err", "front view", "jaw line", "inner 51", "fit rms px", "lip r")
    print(f"{'identity':<14}{'found':>7}" + "".join(f"{c:>14}" for c in cols))
    for i in range(args.identities):
        sigma = 1.0 if i < args.identities // 2 else 2.0
        verts = identity(ict, sigma, rng)
        try:
            r = fit_identity(ict, verts, lm_map, exp)
            moved.append(transferred(ict, verts, exp))
        except InputError:
            print(f"{f'#{i} {sigma:g} sigma':<14}{'no':>7}")
            continue
        found += 1
        rows.append(r)
        label = f"#{i} {sigma:g} sigma"
        print(f"{label:<14}{'yes':>7}" + "".join(f"{r[c]:>14.4f}" for c in cols))
    print(f"{'mean':<14}{found:>7}" + "".join(f"{np.mean([r[c] for r in rows]):>14.4f}" for c in cols))
    print(
        f"{'worst':<14}{'':>7}"
        + "".join(f"{f([r[c] for r in rows]):>14.4f}" for c, f in zip(cols, [np.max] * 5 + [np.min], strict=True))
    )
    print(f"found {found} of {args.identities} (landmark errors are shares of the face width, ear to ear)")
    print("our 64 keys transferred onto each identity (no keys of its own), animated with the clip's curves:")
    tcols = ("lip r", "amplitude", "outside", "lip travel")
    print(f"{'':<14}" + "".join(f"{c:>14}" for c in tcols) + "   (outside, travel: shares of the face width)")
    for name, f in (("mean", np.mean), ("worst", None)):
        worst = {
            "lip r": np.min,
            "amplitude": lambda x: max(x, key=lambda a: abs(np.log(a))),
            "outside": np.max,
            "lip travel": np.min,
        }
        print(f"{name:<14}" + "".join(f"{(f or worst[c])([m[c] for m in moved]):>14.4f}" for c in tcols))
    print(f"turned away from the front axis (refused above {MAX_FIT_RMS_PX:g} px):")
    for degrees in (0, 20, 35, 50, 70, 90):
        a = np.radians(degrees)
        turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        try:
            print(f"  {degrees:>3} degrees: {face_fit(ict['neutral'] @ turn.T, ict['tris']):.2f} px")
        except InputError as exc:
            print(f"  {degrees:>3} degrees: {str(exc).split(': ', 1)[1]}")


if __name__ == "__main__":
    main()
