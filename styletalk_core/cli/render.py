"""`styletalk render`: curves + one reference image -> a talking-head mp4 with the neural renderer."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..settings import AUTO_MIN_FRAMES, PRECISIONS, RENDER_ENGINES, RenderSettings
from .common import add_command, progress_for, wrote


def add(sub, common) -> None:
    r = add_command(
        sub,
        "render",
        run,
        "curves + one reference image -> talking-head mp4 with the neural renderer",
        "Render a 256x256 talking-head video with the PIRenderer-style face generator (official StyleTalk "
        "renderer weights), audio muxed in one H.264 encode.",
        [common["curves"], common["audio"], common["device"], common["progress"]],
    )
    r.add_argument(
        "--image", required=True, type=Path, help="reference face image (non-square: centre-cropped; resized to 256)"
    )
    r.add_argument("--renderer", required=True, type=Path, help="renderer checkpoint {'net_G_ema': ...}")
    r.add_argument("--still-pose", action="store_true", help="ignore the curves' pose; use a fixed frontal pose")
    r.add_argument("--batch", type=int, default=RenderSettings.batch, help="frames per forward pass (32+ on a GPU)")
    r.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=RenderSettings.precision,
        help="autocast precision: fp16 (CUDA), bf16 (CUDA, or CPUs with native bf16; others fall back to "
        "fp32), fp32 exact",
    )
    r.add_argument("--compile", action="store_true", help="torch.compile the renderer (slow start, faster long videos)")
    r.add_argument(
        "--engine",
        choices=RENDER_ENGINES,
        default=RenderSettings.engine,
        help="openvino: compiled for this CPU (pip install 'styletalk-toolkit[cpu]'), ~1.7x PyTorch on a 2-core "
        f"CPU; auto (default): openvino on a CPU in fp32 for clips of {AUTO_MIN_FRAMES}+ frames when installed",
    )
    r.add_argument("-o", "--output", required=True, type=Path, help="output .mp4")


def run(args: argparse.Namespace) -> None:
    from ..device import autocast_dtype, pick_device
    from ..formats.curves import load_curves
    from ..plugins import RENDERER, plugin

    r = plugin(RENDERER)
    r.check_video_output(args.output)
    curves = load_curves(args.curves)
    device = pick_device(args.device)
    dtype = autocast_dtype(args.precision, device)
    engine = r.choose_engine(args.engine, device, dtype, curves.frames, args.compile)  # a missing extra: said first
    footage = r.Footage(curves, args.image, args.audio, args.still_pose, str(args.curves))
    r.check_render_inputs(footage, args.batch)
    t0 = time.perf_counter()
    model = r.load_renderer(args.renderer, device)
    if engine == "openvino":
        print("renderer: compiling for this CPU (OpenVINO, a few seconds)", file=sys.stderr, flush=True)
    model = r.inference_generator(model, engine, args.compile, fallback=args.engine == "auto")
    n = r.render_video(model, footage, args.output, args.batch, dtype, progress_for(args, "render"))
    dt = time.perf_counter() - t0
    wrote(args.output, f"{n} frames ({n / dt:.1f} frames/s)", dt)
