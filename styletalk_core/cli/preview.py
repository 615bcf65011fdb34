"""`styletalk preview`: curves -> an mp4 of the embedded face mesh (no renderer weights)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..settings import PreviewSettings
from .common import add_command, progress_for, wrote


def add(sub, common) -> None:
    pv = add_command(
        sub,
        "preview",
        run,
        "curves -> mp4 of the embedded face mesh (no renderer weights needed)",
        "Render the embedded face model animated by the curves (offscreen OpenGL), with audio.",
        [common["curves"], common["audio"], common["progress"]],
    )
    pv.add_argument("--size", type=int, default=PreviewSettings.size, help="frame size in pixels (even)")
    pv.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")


def run(args: argparse.Namespace) -> None:
    from ..formats.curves import load_curves
    from ..plugins import RENDERER, plugin

    r = plugin(RENDERER)
    r.check_preview_size(args.size)
    r.check_video_output(args.output)
    curves = load_curves(args.curves)
    t0 = time.perf_counter()
    frames = r.preview_frames(curves, args.size)
    n = r.write_video(frames, args.output, curves.fps, args.audio, curves.frames, progress_for(args, "preview"))
    dt = time.perf_counter() - t0
    wrote(args.output, f"{n} frames at {args.size}x{args.size} ({n / dt:.1f} frames/s)", dt)
