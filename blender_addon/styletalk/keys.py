"""Pure keyframe maths for shape-key animation: names, retiming, flat arrays for foreach_set."""

from __future__ import annotations

import numpy as np

from .formats.layout import EXP_NAMES

SLIDER_RANGE = 10.0
MAX_FRAME = 1048574  # Blender's last scene frame
# the first bytes of the audio files a sound strip can hold (wav, flac, mp3, ogg, m4a/aac, aiff)


def shape_key_names(n: int = len(EXP_NAMES)) -> list[str]:
    return list(EXP_NAMES[:n])


def data_path(name: str) -> str:
    return f'key_blocks["{name}"].value'


def retime(n_frames: int, src_fps: float, dst_fps: float, start: float) -> np.ndarray:
    """Scene frame of each source sample: start + t * dst_fps / src_fps (sub-frames kept, so every
    source value lands exactly on a key whatever the scene fps)."""
    return start + np.arange(n_frames, dtype=np.float64) * (dst_fps / src_fps)


def keyframe_coords(frames: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Interleaved [f0, v0, f1, v1, ...] float32 for `keyframe_points.foreach_set("co", ...)`."""
    co = np.empty((len(frames), 2), dtype=np.float32)
    co[:, 0] = frames
    co[:, 1] = values
    return co.ravel()


def unique_name(base: str, existing: set[str]) -> str:
    """`base`, or `base.001`, `base.002`, ... like Blender, so user data is never overwritten."""
    if base not in existing:
        return base
    i = 1
    while f"{base}.{i:03d}" in existing:
        i += 1
    return f"{base}.{i:03d}"


def frame_range(frames: np.ndarray) -> tuple[int, int]:
    return int(np.floor(frames[0])), int(np.ceil(frames[-1]))


def face_vertices_to_blender(vertices: np.ndarray, scale: float = 0.001) -> np.ndarray:
    """Face-model pixels (x right, y down, z away from camera, 256 crop) -> Blender metres
    (X right, Y away from a front-view camera, Z up), centred on the crop; a proper rotation,
    so triangle winding (normals towards the camera, -Y) is kept."""
    v = np.asarray(vertices, dtype=np.float64)
    out = np.empty_like(v)
    out[..., 0] = v[..., 0] - 128.0
    out[..., 1] = v[..., 2]
    out[..., 2] = 128.0 - v[..., 1]
    return (out * scale).astype(np.float32)


def resolve_key_names(listed: str, have: list[str]) -> tuple[list[str], list[str]]:
    """A comma-separated list typed in a table -> (the shape keys it names, the entries naming none). A
    key whose own name has spaces around it (`'jawOpen '`) is found by its stripped name."""
    by_stripped = {}
    for name in have:
        by_stripped.setdefault(name.strip(), name)
    found, missing = [], []
    for entry in (e.strip() for e in listed.split(",")):
        if not entry:
            continue
        if entry in by_stripped:
            found.append(by_stripped[entry])
        else:
            missing.append(entry)
    return found, missing
