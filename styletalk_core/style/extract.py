"""Style video -> 64-dim expression clip (+ approximate pose and crop), written as an official `.mat`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io

from ..face.face_model import FaceModel, load_face_model
from ..face.landmarks import STABLE_POINTS, align_frames
from ..face.tracking import frame_rate, track_landmarks
from ..formats.errors import InputError
from ..formats.fileio import atomic_path, require_suffix
from ..formats.layout import ANGLE_SLICE, COEFF_DIM, CROP_SLICE, EXP_SLICE, FPS, TRANSFORM_DIM
from ..formats.progress import Progress, reached, stage
from ..formats.timebase import resample

log = logging.getLogger("styletalk.extract")
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"}
TRACKING_SHARE = 0.9  # of extraction's progress: tracking the face in every frame; the fit is quick


def fill_lost_frames(points: np.ndarray, source: str) -> tuple[np.ndarray, int]:
    """Linearly interpolate frames where tracking failed (NaN); error if no face was ever found."""
    lost = np.isnan(points).any(axis=(1, 2))
    if lost.all():
        raise InputError(f"{source}: no face found in any of the {len(points)} frames")
    if lost.any():
        t = np.arange(len(points))
        flat = points.reshape(len(points), -1)
        for j in range(flat.shape[1]):
            flat[lost, j] = np.interp(t[lost], t[~lost], flat[~lost, j])
    return points, int(lost.sum())


def landmark_features(aligned: np.ndarray) -> np.ndarray:
    """(T, 468, 3) aligned landmarks -> (T, 936) 2-D deviations from the clip's mean shape (the
    clip mean stands in for the unknown identity; MediaPipe's depth is too noisy to help)."""
    return (aligned - aligned.mean(0))[:, :, :2].reshape(len(aligned), -1)


def fit_expression(aligned: np.ndarray, model: FaceModel, smooth: int = 3) -> np.ndarray:
    """Coefficients from aligned landmarks by the model's ridge inverse (landmarks -> coefficients,
    learned on the paired data). Frame deviations come from the landmarks; the clip's constant level
    is estimated from its mean aligned shape (`FaceModel.clip_level`; identity and level are mixed
    there, so this is a regression towards the population mean, not a measurement). A centred moving
    average of `smooth` frames removes tracking jitter."""
    exp = landmark_features(aligned) @ model.inverse
    if smooth > 1 and len(exp) >= smooth:
        kernel = np.ones(smooth) / smooth
        padded = np.pad(exp, ((smooth // 2, smooth - 1 - smooth // 2), (0, 0)), mode="edge")
        exp = np.stack([np.convolve(padded[:, j], kernel, mode="valid") for j in range(exp.shape[1])], 1)
    return (exp + model.clip_level(aligned)).astype(np.float32)


def euler_angles(rot: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations (image axes: x right, y down) -> (T, 3) angles (x, y, z) in radians, the
    Deep3DFaceRecon order; an approximation of its head pose (the face-to-camera rotation)."""
    r = np.transpose(rot, (0, 2, 1))  # aligned->image, i.e. the head's rotation
    ax = np.arctan2(r[:, 2, 1], r[:, 2, 2])
    ay = np.arcsin(np.clip(-r[:, 2, 0], -1, 1))
    az = np.arctan2(r[:, 1, 0], r[:, 0, 0])
    return np.stack([ax, -ay, -az], axis=1)


@dataclass(frozen=True)
class Extraction:
    """A style clip read from a video, at the toolkit's 30 fps (a video at another rate is resampled
    over its duration), in the official layout."""

    coeff: np.ndarray  # (T, 257) float32: the expression filled in, with the head angles; translation 0
    transform_params: np.ndarray  # (T, 5): image width, height, and the crop (scale, centre x, y)
    lost_frames: int  # frames where the face was not found (interpolated)
    source_fps: float  # the video's own frame rate

    @property
    def exp(self) -> np.ndarray:
        """(T, 64): the expression coefficients, what a style clip is."""
        return np.ascontiguousarray(self.coeff[:, EXP_SLICE])

    def arrays(self) -> dict[str, np.ndarray]:
        """What a .npz style clip holds (a .mat, the official file, holds the first two and source_fps)."""
        return {
            "coeff": self.coeff,
            "transform_params": self.transform_params,
            "exp": self.exp,
            "lost_frames": np.int64(self.lost_frames),
            "source_fps": np.float64(self.source_fps),
        }


def extract_style(
    video: str | os.PathLike, model: FaceModel | None = None, progress: Progress | None = None
) -> Extraction:
    """Track, align and fit the face in `video`: the clip in the official layout at 30 fps (progress:
    tracking is 0.9 of it)."""
    model = model or load_face_model()
    source_fps = frame_rate(video)
    points, (w, h) = track_landmarks(video, stage(progress, 0.0, TRACKING_SHARE))
    points, lost = fill_lost_frames(points, str(video))
    if lost:
        log.warning("%s: face lost in %d of %d frames; interpolated", video, lost, len(points))
    aligned, scales, rots, _ = align_frames(points, model.mean)
    exp = fit_expression(aligned, model)
    coeff = np.zeros((len(exp), COEFF_DIM), np.float32)
    coeff[:, EXP_SLICE] = exp
    coeff[:, ANGLE_SLICE] = euler_angles(rots)
    # The 3D translation (TRANS_SLICE) is not estimated and stays 0: the crop below carries position.
    centre = points[:, list(STABLE_POINTS), :2].mean(1)
    transform = np.zeros((len(exp), TRANSFORM_DIM), np.float32)
    transform[:, 0], transform[:, 1] = w, h
    crop = np.stack([scales * w / 256.0, centre[:, 0], h - 1 - centre[:, 1]], 1)  # scale vs a 256 crop; y up (POS)
    transform[:, CROP_SLICE] = crop
    if abs(source_fps - FPS) > 1e-3:
        coeff, transform = (resample(a, source_fps, FPS)[1] for a in (coeff, transform))
        log.info("%s: %g fps video resampled to %d fps", video, source_fps, FPS)
    reached(progress, 1.0)
    return Extraction(coeff, transform, int(lost), float(source_fps))


STYLE_CLIP_SUFFIXES = (".mat", ".npz")


def check_style_clip_output(out: str | os.PathLike) -> Path:
    """The output path if a style clip can be written there (checked before any tracking)."""
    return require_suffix(out, STYLE_CLIP_SUFFIXES, "a style clip")


def write_style_clip(clip: Extraction, out: str | os.PathLike) -> None:
    """`.mat` (official layout) or `.npz` (the same arrays and the expression), written through a file object."""
    p = check_style_clip_output(out)
    arrays = clip.arrays()
    with atomic_path(p) as tmp, open(tmp, "wb") as f:
        if p.suffix.lower() == ".mat":
            scipy.io.savemat(f, {k: arrays[k] for k in ("coeff", "transform_params", "source_fps")})
        else:
            np.savez(f, **arrays)


def is_video(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES
