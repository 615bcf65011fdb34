"""Characters of another topology: ICT-FaceKit identities (26k vertices, no shared vertex order with
ours) sampled at 1 and 2 sigma. Per identity: is the face found automatically on its front render,
how far are the found points from the 68 Multi-PIE landmarks ICT knows (share of the face width),
and how well do its own 53 shape keys, solved from a real clip's curves, reproduce our lip motion.

Usage: .venv/bin/python benchmarks/character_fit.py [--identities 10]
(goals: found on >= 9 of 10, landmark error <= 2% of the face width, lip-motion r >= 0.9)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from styletalk_core.formats.errors import InputError  # noqa: E402
from styletalk_core.style.clip import load_expression  # noqa: E402
from tests.ict_characters import REF, fit_identity, identity, landmark_map, load_ict  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--identities", type=int, default=10)
    args = ap.parse_args()
    ict, rng = load_ict(), np.random.default_rng(0)
    lm_map = landmark_map(ict)
    exp = load_expression(sorted((REF / "official_samples/samples/source_video/3DMM").glob("*.mat"))[0])
    rows, found = [], 0
    print(f"{'identity':<14}{'found':>7}{'lm err/width':>14}{'fit rms px':>12}{'lip r':>8}")
    for i in range(args.identities):
        sigma = 1.0 if i < args.identities // 2 else 2.0
        try:
            r = fit_identity(ict, identity(ict, sigma, rng), lm_map, exp)
        except InputError:
            print(f"{f'#{i} {sigma:g} sigma':<14}{'no':>7}")
            continue
        found += 1
        rows.append(r)
        label = f"#{i} {sigma:g} sigma"
        print(f"{label:<14}{'yes':>7}{r['landmark err']:>14.4f}{r['fit rms px']:>12.2f}{r['lip r']:>8.3f}")
    print(f"found {found} of {args.identities}; mean landmark error {np.mean([r['landmark err'] for r in rows]):.4f} "
          f"of the face width; mean lip r {np.mean([r['lip r'] for r in rows]):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
