"""`styletalk extract-style`: a style video -> a 64-dim expression clip (.mat or .npz)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..formats.progress import STEPS
from .common import add_command, progress_for, wrote


def add(sub, common) -> None:
    x = add_command(
        sub,
        "extract-style",
        run,
        "style video -> 64-dim expression clip (.mat official layout, or .npz)",
        "Track the face with MediaPipe (offline), align it and fit the 64 expression coefficients with the "
        "embedded face model; head angles and crop are estimated too (3D translation is left at 0).",
        [common["progress"]],
    )
    x.add_argument("video", type=Path, help="a video of one person talking (any size; the face should be visible)")
    x.add_argument("-o", "--output", required=True, type=Path, help="output .mat or .npz")


def run(args: argparse.Namespace) -> None:
    from ..formats.fileio import check_output_path
    from ..formats.layout import FPS
    from ..style.extract import check_style_clip_output, extract_style, write_style_clip

    check_style_clip_output(check_output_path(args.output))
    t0 = time.perf_counter()
    clip = extract_style(args.video, progress=progress_for(args, "extract-style", "‰", STEPS))
    write_style_clip(clip, args.output)
    n, dt, rate = len(clip.coeff), time.perf_counter() - t0, clip.source_fps
    resampled = f"; resampled from the video's {rate:g} fps" if abs(rate - FPS) > 1e-3 else ""
    lost = clip.lost_frames
    wrote(args.output, f"{n} frames at {FPS} fps ({lost} interpolated: face lost{resampled}; {n / dt:.0f} fps)", dt)
