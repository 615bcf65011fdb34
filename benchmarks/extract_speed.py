"""Style video -> expression clip: frames/s on CPU over the official style videos, the old path
(decode, then track, one after the other) and the new one (decoding on a worker thread, ahead of the
tracker) side by side with identical outputs, and the held-out correlation recorded when the face
model was built.

Usage: .venv/bin/python benchmarks/extract_speed.py   (goals: >= 150 frames/s; mouth r >= 0.8)
"""

import contextlib
import time
from pathlib import Path

import numpy as np

from styletalk_core.face import landmarks
from styletalk_core.face.face_model import load_face_model
from styletalk_core.style.extract import extract_style

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared/reference/official_samples/samples/style_clips/video"


@contextlib.contextmanager
def decode_inline():
    """The old path: frames decoded in the tracking loop itself."""
    ours = landmarks.prefetch
    landmarks.prefetch = lambda items, depth=2: iter(items)
    try:
        yield
    finally:
        landmarks.prefetch = ours


def run(videos: list[Path]) -> tuple[float, list[np.ndarray]]:
    t0 = time.perf_counter()
    out = [extract_style(v)["exp"] for v in videos]
    return time.perf_counter() - t0, out


videos = sorted(VIDEOS.glob("*.mp4"))
with decode_inline():
    t_old, old = run(videos)
t_new, new = run(videos)
frames = sum(len(e) for e in new)
same = all(np.array_equal(a, b) for a, b in zip(old, new, strict=True))
print(f"{'path':<44}{'seconds':>9}{'frames/s':>10}")
print(f"{'old: decode, then track, in one thread':<44}{t_old:>9.1f}{frames / t_old:>10.0f}")
print(f"{'new: decoding on a worker thread, ahead':<44}{t_new:>9.1f}{frames / t_new:>10.0f}")
print(f"{frames} frames (tracking + alignment + fit, decode included); new / old {t_old / t_new:.2f}x; "
      f"identical coefficients: {same}")  # fmt: skip
provenance = load_face_model().provenance
r, seen = provenance["held_out_extraction_r"], provenance["seen_speaker_extraction_r"]
print(f"held-out speakers, frame-to-frame r: mouth {r['mouth_13_dims']:.2f}, other dims {r['other_51_dims']:.2f}")
print(f"speakers seen in training (other half of each clip): mouth {seen['mouth_13_dims']:.2f}, other dims "
      f"{seen['other_51_dims']:.2f}   <- the linear landmark map's own limit")  # fmt: skip
