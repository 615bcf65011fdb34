"""Style video -> expression clip: frames/s on CPU over the official style videos, three paths side by
side in one run, each with the agreement of its coefficients with the official ones:
  old:     decode, then track, one after the other, one MediaPipe tracker, landmarks read point by point;
  ahead:   decoding on a worker thread ahead of one tracker, landmarks read from their bytes
           (identical coefficients to old);
  chunks:  as ahead, the video in consecutive chunks, one tracker per CPU in the thread budget
           (--threads, else OMP_NUM_THREADS, else all CPUs), each starting WARM_UP_FRAMES early.
Agreement: per-dimension Pearson r with the official coefficients of the same clip (best of the
frame offsets 0-3, as the face model was built), mean over the 13 mouth dims and the other 51; most
of these clips were seen when the face model was built, so the absolute r is optimistic, the
comparison between paths is the point. Also the held-out r recorded when the face model was built.

Usage: .venv/bin/python benchmarks/extract_speed.py [--threads N]   (goals: >= 150 frames/s; mouth r >= 0.8)
"""

import argparse
import contextlib
import time
from pathlib import Path

import numpy as np

from styletalk_core.face import tracking
from styletalk_core.face.face_model import load_face_model
from styletalk_core.formats.layout import LOWER_INDICES
from styletalk_core.style.clip import load_expression
from styletalk_core.style.extract import extract_style
from styletalk_core.threads import set_cpu_threads

VIDEOS = Path(__file__).resolve().parents[1].parent / "shared/reference/official_samples/samples/style_clips/video"


@contextlib.contextmanager
def one_tracker(decode_ahead: bool):
    """One tracker for the whole video; decoding inline (the old path) or ahead on a thread."""
    threads, ahead, read = tracking.cpu_threads, tracking.prefetch, tracking._read_landmarks
    tracking.cpu_threads = lambda: 1
    if not decode_ahead:
        tracking.prefetch = lambda items, depth=2: iter(items)
        tracking._read_landmarks = tracking.read_by_attribute
    try:
        yield
    finally:
        tracking.cpu_threads, tracking.prefetch, tracking._read_landmarks = threads, ahead, read


def run(videos: list[Path]) -> tuple[float, list[np.ndarray]]:
    t0 = time.perf_counter()
    out = [extract_style(v).exp for v in videos]
    return time.perf_counter() - t0, out


def agreement(exps: list[np.ndarray], videos: list[Path]) -> tuple[float, float]:
    """Mean r (mouth dims, other dims) with the official coefficients, over clips that have them."""
    lower, rs = list(LOWER_INDICES), []
    for exp, video in zip(exps, videos, strict=True):
        mat = video.parents[1] / "3DMM" / f"{video.stem}.mat"
        if not mat.exists():
            continue
        official, best = load_expression(mat), None
        for off in range(4):
            n = min(len(official), len(exp) - off)
            a, b = exp[off : off + n] - exp[off : off + n].mean(0), official[:n] - official[:n].mean(0)
            r = (a * b).sum(0) / np.sqrt((a * a).sum(0) * (b * b).sum(0) + 1e-12)
            if best is None or r[lower].mean() > best[lower].mean():
                best = r
        rs.append(best)
    r = np.mean(rs, axis=0)
    return float(r[lower].mean()), float(np.delete(r, lower).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int)
    threads = set_cpu_threads(ap.parse_args().threads)
    videos = sorted(VIDEOS.glob("*.mp4"))
    rows = []
    with one_tracker(decode_ahead=False):
        rows.append(("old: decode, then track, one tracker", *run(videos)))
    with one_tracker(decode_ahead=True):
        rows.append(("ahead: decoding on a thread, landmark bytes", *run(videos)))
    rows.append((f"chunks: {threads} trackers on consecutive chunks", *run(videos)))
    frames = sum(len(e) for e in rows[0][2])
    t_old = rows[0][1]
    print(f"{len(videos)} videos, {frames} frames (decode + tracking + alignment + fit), {threads} threads")
    print(f"{'path':<48}{'seconds':>9}{'frames/s':>10}{'x old':>7}{'mouth r':>9}{'other r':>9}{'same as old':>13}")
    for name, t, exps in rows:
        same = all(np.array_equal(a, b) for a, b in zip(rows[0][2], exps, strict=True))
        mouth, other = agreement(exps, videos)
        print(f"{name:<48}{t:>9.1f}{frames / t:>10.0f}{t_old / t:>7.2f}{mouth:>9.3f}{other:>9.3f}{str(same):>13}")
    diffs = [np.abs(a - b).max() for a, b in zip(rows[0][2], rows[2][2], strict=True)]
    print(f"chunks vs old: max coefficient difference {max(diffs):.3f} (the coefficients' std is ~0.5-2)")
    provenance = load_face_model().provenance
    r, seen = provenance["held_out_extraction_r"], provenance["seen_speaker_extraction_r"]
    print(
        f"recorded at build, held-out speakers: mouth {r['mouth_13_dims']:.2f}, other dims {r['other_51_dims']:.2f};"
        f" seen speakers (other half of each clip): mouth {seen['mouth_13_dims']:.2f}, "
        f"other {seen['other_51_dims']:.2f}"
    )


if __name__ == "__main__":
    main()
