"""`styletalk evaluate`: M-LMD / F-LMD analogues on held-out clips against baselines."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_command


def add(sub, common) -> None:
    ev = add_command(
        sub,
        "evaluate",
        run,
        "M-LMD / F-LMD analogues on held-out clips vs baselines",
        "Generate each held-out clip with its own style and measure lip (M-LMD) and full-face (F-LMD) landmark "
        "distance through the embedded face model, against the training mean expression, the style "
        "reference's mean held still, and the clip's style with shuffled phonemes.",
        [common["device"]],
    )
    ev.add_argument("--data", required=True, nargs="+", type=Path, help="folders with *.mat and *_seq.json")
    ev.add_argument("--speakers", required=True, nargs="+", help="held-out speakers to evaluate")
    ev.add_argument("--checkpoint", type=Path, help="generator checkpoint (default: the bundled model)")


def run(args: argparse.Namespace) -> None:
    from ..training.evaluate import evaluate_speakers, format_table

    table = evaluate_speakers(args.data, args.speakers, args.checkpoint, args.device)
    print("\n".join(format_table(table, args.speakers)))
