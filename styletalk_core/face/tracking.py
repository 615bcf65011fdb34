"""Face tracking: video -> MediaPipe face-mesh landmarks (468 points, pixels), frame by frame.

MediaPipe's face mesh runs on one core. On a machine with more, a long enough video is tracked in
consecutive chunks, one tracker per CPU in the thread budget, each decoding the video itself. A
tracker follows the face from its previous frame, so a chunk's tracker starts WARM_UP_FRAMES early
and its crop has settled by the chunk's first frame (sub-pixel from the one-tracker landmarks; the
coefficients' agreement with the official ones unchanged: benchmarks/extract_speed.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..extras import optional
from ..formats.errors import InputError
from ..formats.progress import Progress
from ..media import open_media
from ..native import native_logs_silenced
from ..threads import cpu_threads, prefetch
from .landmarks import NUM_LANDMARKS

WARM_UP_FRAMES = 10
MIN_CHUNK_FRAMES = 60  # shorter chunks spend too much of their time warming up


def _open_video(path: str | os.PathLike):
    container = open_media(path, "video", "video")
    return Path(path), container


def read_video_frames(path: str | os.PathLike, first: int = 0) -> Iterator[np.ndarray]:
    """Yield RGB uint8 frames of a video file (PyAV) from frame `first` on (the earlier ones are
    decoded, not converted); a file that is corrupt part-way gives one InputError naming the frame."""
    av = optional("av", "video")
    p, container = _open_video(path)
    with container:
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
            if n > first:
                yield frame.to_ndarray(format="rgb24")


def frame_rate(path: str | os.PathLike) -> float:
    """The video's frame rate (its average rate, else the rate FFmpeg guesses)."""
    p, container = _open_video(path)
    with container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
    if not rate or not 1 <= float(rate) <= 1000:
        raise InputError(f"{p}: the video declares no usable frame rate ({rate})")
    return float(rate)


def frame_count(path: str | os.PathLike) -> int:
    """The frame count the container declares (0 when it does not say)."""
    _, container = _open_video(path)
    with container:
        return max(int(container.streams.video[0].frames or 0), 0)


@dataclass(frozen=True)
class Chunk:
    """Track frames [begin, stop) (stop None: to the end), keep those from `start` on."""

    begin: int
    start: int
    stop: int | None


def plan_chunks(frames: int, workers: int) -> list[Chunk]:
    """Consecutive chunks of at least MIN_CHUNK_FRAMES, one per worker; the last runs to the end
    (a declared count that is wrong loses no frame)."""
    n = max(1, min(workers, frames // MIN_CHUNK_FRAMES))
    bounds = [frames * k // n for k in range(n)] + [None]
    return [Chunk(max(0, b - WARM_UP_FRAMES), b, bounds[k + 1]) for k, b in enumerate(bounds[:-1])]


# A landmark with x, y, z set, serialised: field 1 (landmark list entry) of 15 bytes, then tags 1-3 (fixed32)
_LANDMARK_BYTES = 17
_TAGS = {0: 0x0A, 1: 15, 2: 0x0D, 7: 0x15, 12: 0x1D}
_FLOAT_BYTES = [3, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15, 16]


def read_by_attribute(landmarks) -> np.ndarray:
    """(468, 3) normalised x, y, z of a MediaPipe landmark list, point by point."""
    return np.array([(p.x, p.y, p.z) for p in landmarks.landmark[:NUM_LANDMARKS]], np.float64)


def read_from_bytes(landmarks) -> np.ndarray:
    """The same floats from the list's serialised bytes in one numpy pass (8x quicker than 1,404
    attribute reads), or point by point when the bytes are not laid out as expected (other fields set)."""
    raw = np.frombuffer(landmarks.SerializeToString(), np.uint8)
    if len(raw) == _LANDMARK_BYTES * len(landmarks.landmark) >= _LANDMARK_BYTES * NUM_LANDMARKS:
        rows = raw.reshape(-1, _LANDMARK_BYTES)[:NUM_LANDMARKS]
        if all((rows[:, col] == tag).all() for col, tag in _TAGS.items()):
            return np.ascontiguousarray(rows[:, _FLOAT_BYTES]).view("<f4").astype(np.float64)
    return read_by_attribute(landmarks)


_read_landmarks = read_from_bytes


def _points(result, width: int, height: int) -> np.ndarray:
    """(468, 3) pixels (NaN when no face was found)."""
    if not result.multi_face_landmarks:
        return np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
    xyz = _read_landmarks(result.multi_face_landmarks[0])
    return (xyz * np.array([width, height, width], np.float64)).astype(np.float32)


def _track_chunk(path, chunk: Chunk, refine: bool, frames: Iterator[np.ndarray], keep, stop: threading.Event) -> None:
    FaceMesh = optional("mediapipe.python.solutions.face_mesh", "video").FaceMesh
    with FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=refine) as mesh:
        for i, frame in enumerate(frames, chunk.begin):
            if stop.is_set() or (chunk.stop is not None and i >= chunk.stop):
                break
            h, w = frame.shape[:2]
            pts = _points(mesh.process(frame), w, h)
            if i >= chunk.start:
                keep(i, pts, (w, h))


def track_landmarks(
    path: str | os.PathLike, progress: Progress | None = None, refine: bool = True
) -> tuple[np.ndarray, tuple[int, int]]:
    """(T, 468, 3) landmarks in pixels (x, y, z scaled like x) with NaN rows where no face was found,
    and the frame size (width, height). `refine`: MediaPipe's attention model, whose lip contours
    are finer (style extraction uses it; the face model's geometry is built from the plain mesh);
    its 10 extra iris points are dropped. `progress`: (frames tracked, the video's frames)."""
    total = frame_count(path)
    chunks = plan_chunks(total, cpu_threads())
    found: dict[int, np.ndarray] = {}
    size = [(0, 0)]
    lock, stop = threading.Lock(), threading.Event()

    def keep(i: int, pts: np.ndarray, frame_size: tuple[int, int]) -> None:
        with lock:
            found[i], size[0] = pts, frame_size
            if progress is not None:
                progress(len(found), max(total, len(found)))

    with native_logs_silenced():
        if len(chunks) == 1:  # one tracker: decoding on a worker thread, ahead of it
            _track_chunk(path, chunks[0], refine, prefetch(read_video_frames(path), depth=8), keep, stop)
        else:
            _run_chunks(path, chunks, refine, keep, stop)
    if not found:
        raise InputError(f"{path}: the video has no frames")
    return np.stack([found[i] for i in sorted(found)]), size[0]


def _run_chunks(path, chunks: list[Chunk], refine: bool, keep, stop: threading.Event) -> None:
    """One thread per chunk (MediaPipe and the decoder release the GIL); the first error is raised
    here, and an interrupt (Ctrl-C, SIGTERM) stops every tracker before it propagates."""
    errors: list[BaseException] = []

    def work(chunk: Chunk) -> None:
        try:
            _track_chunk(path, chunk, refine, read_video_frames(path, chunk.begin), keep, stop)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in chunks]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.1)  # wakes up for signals
    finally:
        stop.set()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
