"""ARKit fidelity and speed: the official coefficients of the real sample clips -> ARKit weights ->
our face again through the ARKit basis, against our face model's own motion.

Per clip: mouth-opening r (vertical inner-lip gap), lip-vertex error (image plane, motion about the
clip's mean) as a share of the lip motion, jawOpen vs the opening r, eye opening vs eyeBlink r and
brow height vs the brow channels r; then the time to solve 10 minutes at 30 fps.

Usage: .venv/bin/python benchmarks/arkit_fidelity.py   (goals: r >= 0.95, error <= 0.20, jaw r >= 0.8, <= 2 s)
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from styletalk_core.face.face_model import load_face_model
from styletalk_core.retarget.arkit import arkit_weights, load_arkit_basis
from styletalk_core.retarget.fidelity import clip_scores
from styletalk_core.style.clip import load_expression

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared/reference/official_samples/samples"


def main() -> None:
    face, basis = load_face_model(), load_arkit_basis()
    clips = sorted(SAMPLES.rglob("3DMM/*.mat"))
    rows = {c.stem: clip_scores(load_expression(c), face, basis).row() for c in clips}
    keys = list(next(iter(rows.values())))
    print(f"{'clip':<28}" + "".join(f"{k:>10}" for k in keys))
    for name, r in rows.items():
        print(f"{name:<28}" + "".join(f"{r[k]:>10.3f}" for k in keys))
    print(f"{'mean':<28}" + "".join(f"{np.nanmean([r[k] for r in rows.values()]):>10.3f}" for k in keys))
    print(f"{'min':<28}" + "".join(f"{np.nanmin([r[k] for r in rows.values()]):>10.3f}" for k in keys))
    exp = np.concatenate([load_expression(c) for c in clips])
    ten_minutes = np.resize(exp, (18000, exp.shape[1]))
    t0 = time.perf_counter()
    arkit_weights(ten_minutes, face, basis)
    dt = time.perf_counter() - t0
    print(f"solve: 10 min at 30 fps (18,000 frames) in {dt:.2f} s ({18000 / dt:.0f} frames/s); goal <= 2 s")


if __name__ == "__main__":
    main()
