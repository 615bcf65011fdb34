"""`styletalk export`: a curves file -> the official .npy, CSV, JSON or ARKit-52 weights."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .common import add_command, wrote


def _kinds() -> list:
    """The output kinds made from curves alone, their owners imported (they register them)."""
    from ..formats.outputs import curves_kinds
    from ..retarget import arkit  # noqa: F401

    return curves_kinds()


def add(sub, common) -> None:
    e = add_command(
        sub,
        "export",
        run,
        "curves file -> official .npy (T x 73), CSV, JSON, or ARKit-52 weights",
        "Export a curves file. npy is the official renderer hand-off [exp 64 | pose 9]; arkit-csv is the "
        "Live Link Face app's CSV (52 ARKit weights + head rotation from the pose), arkit-json the same weights.",
        [common["curves"]],
    )
    kinds = _kinds()
    e.add_argument(
        "--format",
        required=True,
        choices=[k.name for k in kinds],
        help="; ".join(f"{k.name}: {k.description}" for k in kinds),
    )
    e.add_argument("-o", "--output", required=True, type=Path, help="output file, ending in .FORMAT")


def run(args: argparse.Namespace) -> None:
    from ..formats.curves import load_curves
    from ..formats.outputs import write_output

    t0 = time.perf_counter()
    curves = load_curves(args.curves)  # the kinds were registered when the parser was built (add)
    write_output(curves, args.output, args.format, source=str(args.curves))
    wrote(args.output, f"{args.format}, {curves.frames} frames", time.perf_counter() - t0)
