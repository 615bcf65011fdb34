"""Preview speed on CPU (Mesa llvmpipe via EGL): mesh frames/s at 512x512, alone and with the H.264 encode.

Usage: .venv/bin/python benchmarks/preview_speed.py [--frames 300] [--size 512]   (goal >= 20 fps)
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from renderer.preview import preview_frames
from renderer.video import write_video
from styletalk_core.formats.curves import Curves

ap = argparse.ArgumentParser()
ap.add_argument("--frames", type=int, default=300)
ap.add_argument("--size", type=int, default=512)
args = ap.parse_args()
t = np.arange(args.frames)
exp = np.zeros((args.frames, 64), np.float32)
exp[:, 0] = -2 * np.abs(np.sin(t / 5))
curves = Curves(exp=exp)
t0 = time.perf_counter()
for _ in preview_frames(curves, args.size):
    pass
render_only = time.perf_counter() - t0
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    write_video(preview_frames(curves, args.size), Path(tmp) / "p.mp4")
    with_encode = time.perf_counter() - t0
print(f"{'path':<28}{'seconds':>9}{'frames/s':>10}")
print(f"{'mesh render only':<28}{render_only:>9.2f}{args.frames / render_only:>10.1f}")
print(f"{'render + H.264 encode':<28}{with_encode:>9.2f}{args.frames / with_encode:>10.1f}")
print(f"goal: >= 20 frames/s at 512x512 ({args.size}x{args.size} measured)")
