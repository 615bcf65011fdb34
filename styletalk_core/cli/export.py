"""`styletalk export`: a curves file -> the official .npy, CSV, JSON or ARKit-52 weights."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .common import add_command, wrote


def add(sub, common) -> None:
    from ..formats.export import FORMATS
    from ..retarget.arkit import ARKIT_FORMATS

    e = add_command(
        sub,
        "export",
        run,
        "curves file -> official .npy (T x 73), CSV, JSON, or ARKit-52 weights",
        "Export a curves file. npy is the official renderer hand-off [exp 64 | pose 9]; arkit-csv is the "
        "Live Link Face app's CSV (52 ARKit weights + head rotation from the pose), arkit-json the same weights.",
        [common["curves"]],
    )
    e.add_argument("--format", required=True, choices=FORMATS + ARKIT_FORMATS)
    e.add_argument("-o", "--output", required=True, type=Path, help="output file, ending in .FORMAT")


def run(args: argparse.Namespace) -> None:
    from ..formats.curves import load_curves
    from ..formats.export import export_curves
    from ..retarget.arkit import ARKIT_FORMATS, export_arkit

    t0 = time.perf_counter()
    curves = load_curves(args.curves)
    if args.format in ARKIT_FORMATS:
        export_arkit(curves, args.output, args.format)
    else:
        export_curves(curves, args.output, args.format, source=str(args.curves))
    wrote(args.output, f"{args.format}, {curves.frames} frames", time.perf_counter() - t0)
