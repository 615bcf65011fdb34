"""The phoneme prior's choices, each measured leaving one paired speaker out (seconds, no training):
the labels as given vs moved so that the mouth leads them by N frames, the window, the ridge penalty,
and the style clip's own mouth amplitude (the network's `motion_gain`). Each held-out clip: the prior on
its style reference's mean (its own first 256 frames), as in `styletalk evaluate`.

Usage: .venv/bin/python benchmarks/prior_ablation.py --data DIR [DIR ...]
Prints per variant: mean lip r (min over speakers), closure, amplitude (range over speakers), M-LMD, and
on how many speakers B/M/P and F/V are more closed than AA/AE/AY
(mean opening over the speaker's clips).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from styletalk_core.face.face_model import load_face_model  # noqa: E402
from styletalk_core.formats.layout import LOWER_INDICES  # noqa: E402
from styletalk_core.model.network import PhonemePrior as PriorModule  # noqa: E402
from styletalk_core.training.config import small_config  # noqa: E402
from styletalk_core.training.dataset import find_clips  # noqa: E402
from styletalk_core.training.evaluate import landmark_distance  # noqa: E402
from styletalk_core.training.lipsync import lipsync_scores  # noqa: E402
from styletalk_core.training.prior import PriorSettings, fit_prior  # noqa: E402

BASE = PriorSettings()
VARIANTS = {
    "labels as given": (replace(BASE, align_rounds=0, max_shift=0), 5, True),
    **{f"lead {lead:g}": (replace(BASE, lead=lead), 5, True) for lead in (0, 2, 3, 4, 5)},
    f"lead {BASE.lead:g} (default)": (BASE, 5, True),
    "window +-7": (BASE, 7, True),
    **{f"ridge {r:g}": (replace(BASE, ridge=r), 5, True) for r in (10.0, 100.0)},
    "no style amplitude": (BASE, 5, False),
}


def style_gain(prior, style: np.ndarray) -> float:
    """The network's motion gain for this style reference (`PhonemePrior.motion_gain`)."""
    module = PriorModule(small_config())
    module.opening.copy_(torch.from_numpy(prior.opening))
    module.motion_scale.fill_(prior.scale)
    clip = torch.from_numpy(style[None].astype(np.float32))
    return float(module.motion_gain(clip, torch.ones(clip.shape[:2]))[0])


def run(clips, face, settings: PriorSettings, win: int, use_style: bool) -> dict:
    per = {}
    for sp in sorted({c.speaker for c in clips}):
        prior = fit_prior([c for c in clips if c.speaker != sp], face, win, LOWER_INDICES, settings)
        for c in (c for c in clips if c.speaker == sp):
            style = c.exp[:256]
            pred = np.repeat(style.mean(0, keepdims=True), len(c.exp), 0)
            gain = style_gain(prior, style) if use_style else 1.0
            pred[:, list(LOWER_INDICES)] += gain * prior.predict(c.phonemes)
            s = lipsync_scores(pred, c.exp, c.phonemes, face)
            v = [s.visemes.get(k, np.nan) for k in ("B/M/P", "F/V", "AA/AE/AY")]
            row = (s.lip_r, s.closure or 0.0, s.amplitude, landmark_distance(pred, c.exp, face).mouth, *v)
            per.setdefault(sp, []).append(row)
    out = {}
    for sp, rows in per.items():  # per speaker: the means, and whether its mean openings are in order
        m = np.nanmean(rows, 0)
        out[sp] = np.append(m[:4], max(m[4], m[5]) < m[6])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="+", type=Path, required=True)
    args = ap.parse_args()
    clips = [c for c in find_clips(args.data) if c.phonemes is not None]
    face = load_face_model()
    n = len({c.speaker for c in clips})
    print(f"phoneme prior, leave-one-speaker-out over {n} speakers ({len(clips)} labelled clips)")
    print(f"{'variant':<22}{'lip r':>7}{'(min)':>7}{'closure':>9}{'amplitude':>17}{'M-LMD':>7}  closed < open")
    for name, (settings, win, use_style) in VARIANTS.items():
        per = np.array(list(run(clips, face, settings, win, use_style).values()))
        r, closure, amp, lmd, order = per.mean(0)
        spread = f"{amp:.2f} ({per[:, 2].min():.2f}-{per[:, 2].max():.2f})"
        ordered = f"{int(per[:, 4].sum())} of {len(per)} speakers"
        print(f"{name:<22}{r:>7.3f}{per[:, 0].min():>7.3f}{closure:>9.0%}{spread:>17}{lmd:>7.3f}  {ordered}")


if __name__ == "__main__":
    main()
