"""Renderer speed: the official-style loop vs ours, same random-weight checkpoint, side by side.

official-style: fp32, batch 4, every frame kept in memory, then one encode at the end.
ours: streamed batches into one H.264 encode on a worker thread, with the library's inference set-up
(styletalk_core.device: on CUDA fp16 autocast, channels_last, a larger batch; optional torch.compile).

Usage: .venv/bin/python benchmarks/render_speed.py [--frames N] [--device cuda] [--batch 32]
       [--precision fp16|bf16|fp32] [--compile]
Default frames: 8 on CPU (about 1 s/frame here), 600 on CUDA.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from renderer.checkpoint import load_renderer
from renderer.model import FaceGenerator, FineADAINResBlock2d, RendererConfig
from renderer.video import STILL_POSE, render_frames, write_video
from styletalk_core.device import autocast_dtype, prepare_for_inference

CKPT = Path(__file__).resolve().parents[1].parent / "shared/reference/parity/renderer_random_ckpt.pth"


def inputs(frames: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    exp = (0.5 * rng.normal(size=(frames, 64))).astype(np.float32)
    seq = np.concatenate([exp, np.repeat(STILL_POSE[None], frames, 0)], axis=1)
    return image, seq


def _official_resblock(self, x, z):
    # the official block also computes conv1/norm1 and throws the result away
    _ = torch.nn.functional.leaky_relu(self.norm1(self.conv1(x), z), 0.1)
    return x + self.norm2(self.conv2(x), z)


@contextlib.contextmanager
def official_resblocks():
    """The official block's wasted work for the duration of the block; our forward is restored after."""
    ours = FineADAINResBlock2d.forward
    FineADAINResBlock2d.forward = _official_resblock
    try:
        yield
    finally:
        FineADAINResBlock2d.forward = ours


def official_style(model, image, seq, out: Path) -> float:
    with official_resblocks():
        t0 = time.perf_counter()
        frames = np.concatenate(list(render_frames(model, image, seq, batch=4)))  # all in memory
        write_video([frames], out)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter() - t0


def ours(model, image, seq, out: Path, batch: int, dtype) -> float:
    t0 = time.perf_counter()
    write_video(render_frames(model, image, seq, batch=batch, dtype=dtype), out)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--frames", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--precision", choices=("fp32", "fp16", "bf16"))
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    cuda = args.device.startswith("cuda")
    frames = args.frames or (600 if cuda else 8)
    batch = args.batch or (32 if cuda else 4)
    precision = args.precision or ("fp16" if cuda else "fp32")
    dtype = autocast_dtype(precision, torch.device(args.device))
    if CKPT.exists():
        model = load_renderer(CKPT, args.device)
    else:
        model = FaceGenerator(RendererConfig()).to(args.device).eval()
    fast = prepare_for_inference(model, torch.device(args.device), args.compile)
    image, seq = inputs(frames)
    with tempfile.TemporaryDirectory() as tmp:
        ours(fast, image, seq[: min(frames, 2 * batch)], Path(tmp) / "warm.mp4", batch, dtype)  # warm-up
        t_off = official_style(model, image, seq, Path(tmp) / "official.mp4")
        t_ours = ours(fast, image, seq, Path(tmp) / "ours.mp4", batch, dtype)
    print(f"device {args.device}, {frames} frames at 256x256")
    print(f"{'path':<44}{'seconds':>9}{'frames/s':>10}")
    print(f"{'official-style (fp32, batch 4, then encode)':<44}{t_off:>9.2f}{frames / t_off:>10.2f}")
    label = f"ours ({precision}, batch {batch}, streamed{', compiled' if args.compile else ''})"
    print(f"{label:<44}{t_ours:>9.2f}{frames / t_ours:>10.2f}")
    print(f"speed-up: {t_off / t_ours:.2f}x   goals: >= 5x and >= 300 fps on an H100; >= 1.5x on CPU")


if __name__ == "__main__":
    main()
