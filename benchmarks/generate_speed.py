"""Generation speed on CPU: 60 s of phonemes through the official-size network, frames/s.

Usage: .venv/bin/python benchmarks/generate_speed.py [--seconds 60] [--threads N]
Phonemes: the official sample labels (../shared) concatenated to the requested length, so
silences and held phonemes occur as in real speech; without ../shared, synthetic 3-frame runs.
Prints our path (window dedup + centre-only last layer + one mixed dynamic kernel) and the
same network forced to compute every frame (no dedup), side by side.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from styletalk_core.formats.labels import NUM_PHONEMES, phoneme_windows
from styletalk_core.formats.layout import FPS
from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.model.generate import generate_expression, style_codes
from styletalk_core.model.network import StyleTalk

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared/reference/official_samples/samples/source_video/phoneme"


def phonemes(frames: int) -> np.ndarray:
    files = sorted(SAMPLES.glob("*_seq.json"))
    if files:
        ids = np.concatenate([np.array(json.loads(f.read_text())) for f in files])
    else:
        ids = np.repeat(np.random.default_rng(0).integers(0, NUM_PHONEMES, frames), 3)
    return np.resize(ids, frames)


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = StyleTalk(StyleTalkConfig.official()).eval()
    ids = phonemes(int(args.seconds * FPS))
    code = style_codes(model, [np.random.default_rng(0).normal(size=(120, 64)).astype(np.float32) * 0.5])
    windows = phoneme_windows(ids, model.config.win_size)
    n_unique = len(np.unique(windows, axis=0))

    ours = timed(lambda: generate_expression(model, ids, code), args.repeats)

    @torch.no_grad()
    def every_frame():
        w = torch.from_numpy(windows)
        for s in range(0, len(w), 1024):
            model.decode(w[s : s + 1024][None], code)

    plain = timed(every_frame, args.repeats)
    n = len(ids)
    print(f"frames: {n} ({args.seconds:.0f} s at {FPS} fps), unique windows: {n_unique}, threads: {args.threads}")
    print(f"{'path':<34}{'seconds':>10}{'frames/s':>12}")
    print(f"{'every frame (no dedup)':<34}{plain:>10.3f}{n / plain:>12.0f}")
    print(f"{'ours (dedup windows)':<34}{ours:>10.3f}{n / ours:>12.0f}")
    print(f"ratio ours / every-frame: {plain / ours:.2f}x   goal: >= 1000 frames/s")


if __name__ == "__main__":
    main()
