"""Preview speed on CPU (Mesa llvmpipe via EGL): mesh frames/s at 512x512, the old path (a new trimesh,
pyrender mesh, scene node and GL buffers every frame, pyrender's colour-and-depth read-back) and the new
one (one vertex buffer rewritten in place, colour read back alone) side by side, alternating runs, with
and without the H.264 encode, and whether their frames are identical.

Usage: .venv/bin/python benchmarks/preview_speed.py [--frames 300] [--size 512]   (goal >= 20 fps)
"""

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import numpy as np
from styletalk_renderer import preview
from styletalk_renderer.preview import preview_frames
from styletalk_renderer.video import write_video

from styletalk_core.formats.curves import Curves


def _old_show(self, vertices):
    tm = self._trimesh.Trimesh(vertices, self._tris, process=False)
    if self._node is not None:
        self._scene.remove_node(self._node)
    self._node = self._scene.add(self._pyrender.Mesh.from_trimesh(tm, material=self._material, smooth=True))


@contextlib.contextmanager
def old_path():
    """A new mesh every frame, and pyrender's own read-back (colour and depth)."""
    ours, colour = preview._MeshBuffer.show, preview.colour_only
    preview._MeshBuffer.show, preview.colour_only = _old_show, lambda renderer: False
    try:
        yield
    finally:
        preview._MeshBuffer.show, preview.colour_only = ours, colour


def timed(curves: Curves, size: int, encode: bool) -> tuple[float, np.ndarray | None]:
    t0 = time.perf_counter()
    if encode:
        with tempfile.TemporaryDirectory() as tmp:
            write_video(preview_frames(curves, size), Path(tmp) / "p.mp4")
        return time.perf_counter() - t0, None
    frames = np.concatenate(list(preview_frames(curves, size)))
    return time.perf_counter() - t0, frames


ap = argparse.ArgumentParser()
ap.add_argument("--frames", type=int, default=300)
ap.add_argument("--size", type=int, default=512)
ap.add_argument("--repeat", type=int, default=2, help="runs of each path, alternating; the quickest is kept")
args = ap.parse_args()
t = np.arange(args.frames)
exp = np.zeros((args.frames, 64), np.float32)
exp[:, 0] = -2 * np.abs(np.sin(t / 5))
exp[:, 7] = np.cos(t / 7)
curves = Curves(exp=exp)
best, frames = {}, {}
for _ in range(args.repeat):
    for name, ctx in (("old", old_path), ("new", contextlib.nullcontext)):
        with ctx():
            t_render, frames[name] = timed(curves, args.size, encode=False)
            t_encode, _ = timed(curves, args.size, encode=True)
        prev = best.get(name, (np.inf, np.inf))
        best[name] = (min(prev[0], t_render), min(prev[1], t_encode))
rows = [(name, *times) for name, times in best.items()]
print(f"{'path':<8}{'render s':>10}{'frames/s':>10}{'+ encode s':>12}{'frames/s':>10}")
for name, tr, te in rows:
    print(f"{name:<8}{tr:>10.2f}{args.frames / tr:>10.1f}{te:>12.2f}{args.frames / te:>10.1f}")
diff = int(np.abs(frames["old"].astype(np.int16) - frames["new"].astype(np.int16)).max())
print(
    f"new / old: render {rows[0][1] / rows[1][1]:.2f}x, with encode {rows[0][2] / rows[1][2]:.2f}x; "
    f"max pixel difference between the paths: {diff}"
)
print(f"goal: >= 20 frames/s at 512x512 ({args.size}x{args.size} measured)")
