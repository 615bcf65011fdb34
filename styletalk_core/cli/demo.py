"""`styletalk demo`: the whole job on the bundled example (curves, plot, preview video, .blend, .glb)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..settings import DemoSettings
from .common import add_command


def add(sub, common) -> None:
    d = add_command(
        sub,
        "demo",
        run,
        "the whole job on the bundled example: curves, plot, preview video, .blend and .glb",
        "Run the bundled example (hello.wav) end to end with the default model and print where each file is and "
        "how long each step took.",
    )
    d.add_argument("-o", "--output", type=Path, default=DemoSettings.output, help="output folder")
    d.add_argument("--style", default=DemoSettings.style, help="style clip or preset:NAME")
    d.add_argument("--renderer", type=Path, help="official renderer weights: also writes demo_render.mp4")
    d.add_argument("--image", type=Path, help="reference face image for --renderer")


def run(args: argparse.Namespace) -> None:
    from ..demo import run_demo

    run_demo(args.output, args.style, args.renderer, args.image)
