"""Style video -> expression clip: frames/s on CPU over the official style videos, and the
held-out correlation recorded when the face model was built.

Usage: .venv/bin/python benchmarks/extract_speed.py   (goals: >= 150 frames/s; mouth r >= 0.8)
"""

import time
from pathlib import Path

from styletalk_core.face.face_model import load_face_model
from styletalk_core.style.extract import extract_style

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared/reference/official_samples/samples/style_clips/video"
frames, t0 = 0, time.perf_counter()
for video in sorted(VIDEOS.glob("*.mp4")):
    frames += len(extract_style(video)["exp"])
dt = time.perf_counter() - t0
provenance = load_face_model().provenance
r, seen = provenance["held_out_extraction_r"], provenance["seen_speaker_extraction_r"]
print(f"{frames} frames in {dt:.1f} s: {frames / dt:.0f} frames/s (tracking + alignment + fit, decode included)")
print(f"held-out speakers, frame-to-frame r: mouth {r['mouth_13_dims']:.2f}, other dims {r['other_51_dims']:.2f}")
print(f"speakers seen in training (other half of each clip): mouth {seen['mouth_13_dims']:.2f}, other dims "
      f"{seen['other_51_dims']:.2f}   <- the linear landmark map's own limit")  # fmt: skip
