"""Face tracking: video -> MediaPipe face-mesh landmarks (468 points, pixels) and similarity alignment."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

import numpy as np

from ..extras import optional
from ..formats.errors import InputError
from ..formats.fileio import require_file
from ..threads import prefetch

NUM_LANDMARKS = 468
# Rigid-ish points for alignment: forehead, temples, nose bridge and tip, outer eye corners.
STABLE_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 263, 133, 362, 127, 356, 234, 454, 108, 337, 67, 297)


def read_video_frames(path: str | os.PathLike):
    """Yield RGB uint8 frames of a video file (PyAV); a file that is corrupt part-way gives one
    InputError naming the frame."""
    av = optional("av", "video")
    p = require_file(path, "video", InputError)
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: cannot read video: {exc}") from None
    with container:
        if not container.streams.video:
            raise InputError(f"{p}: has no video stream")
        frames = container.decode(video=0)
        n = 0
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                return
            except av.error.FFmpegError as exc:
                raise InputError(f"{p}: the video is corrupt at frame {n}: {exc}") from None
            n += 1
            yield frame.to_ndarray(format="rgb24")


@contextlib.contextmanager
def native_logs_silenced():
    """MediaPipe's C++ side (TFLite, absl, glog) writes INFO/WARNING lines straight to file
    descriptor 2; a user should see only our own one-line messages, so fd 2 goes to /dev/null for
    the duration (Python's own stderr is flushed first and restored after)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def track_landmarks(
    path: str | os.PathLike, progress: Callable[[int], None] | None = None, refine: bool = True
) -> tuple[np.ndarray, tuple[int, int]]:
    """(T, 468, 3) landmarks in pixels (x, y, z scaled like x) with NaN rows where no face was found,
    and the frame size (width, height). `refine`: MediaPipe's attention model, whose lip contours
    are finer (style extraction uses it; the face model's geometry is built from the plain mesh);
    its 10 extra iris points are dropped."""
    FaceMesh = optional("mediapipe.python.solutions.face_mesh", "video").FaceMesh

    out, size = [], (0, 0)
    with native_logs_silenced(), FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=refine) as mesh:
        for i, frame in enumerate(prefetch(read_video_frames(path), depth=8)):  # decoding overlaps tracking
            h, w = frame.shape[:2]
            size = (w, h)
            result = mesh.process(frame)
            if result.multi_face_landmarks:
                lm = result.multi_face_landmarks[0].landmark
                pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lm[:NUM_LANDMARKS]], np.float32)
            else:
                pts = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
            out.append(pts)
            if progress is not None:
                progress(i + 1)
    if not out:
        raise InputError(f"{path}: the video has no frames")
    return np.stack(out), size


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Umeyama: scale s, rotation R, translation t minimising |s R src + t - dst| over points (N, D)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.ones(len(sig))
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1
    rot = u @ np.diag(d) @ vt
    scale = float((sig * d).sum() / (a**2).sum(1).mean())
    return scale, rot, mu_d - scale * rot @ mu_s


def align_frames(points: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Similarity-align every frame (T, 468, 3) to `reference` (468, 3) on the stable points.
    Returns aligned points, scale (T,), rotation (T, 3, 3) and translation (T, 3); frames whose
    stable points are NaN stay NaN."""
    idx = list(STABLE_POINTS)
    aligned = np.full_like(points, np.nan)
    scales, rots, trans = (
        np.full(len(points), np.nan),
        np.full((len(points), 3, 3), np.nan),
        np.full((len(points), 3), np.nan),
    )
    for t, frame in enumerate(points):
        if np.isnan(frame[idx]).any():
            continue
        s, r, tr = similarity_transform(frame[idx], reference[idx])
        aligned[t] = s * frame @ r.T + tr
        scales[t], rots[t], trans[t] = s, r, tr
    return aligned, scales, rots, trans
