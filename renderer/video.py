"""Curves + reference image -> rendered frames -> one H.264 encode with the audio muxed in."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from styletalk_core.extras import optional
from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.fileio import atomic_path, check_output_path, require_file, require_suffix
from styletalk_core.formats.layout import FPS, driving_array
from styletalk_core.formats.progress import Progress
from styletalk_core.media import open_media
from styletalk_core.native import raise_if_stopped
from styletalk_core.speech.audio import check_audio
from styletalk_core.threads import prefetch

from .engine import OpenVinoGenerator, generator_device
from .model import FaceGenerator

SIZE = 256
CRF = 18  # H.264 quality: visually lossless for faces at this size
SEMANTIC_RADIUS = 13
# DreamTalk's "no head motion" pose: angles 0, translation 0, typical crop of the training data.
STILL_POSE = np.array([0, 0, 0, 0, 0, 0, 0.9370641, 126.84911, 129.03864], dtype=np.float32)


def check_video_output(path: str | os.PathLike) -> Path:
    """The output path if an .mp4 can be written there (checked before any frame is made)."""
    return require_suffix(check_output_path(path), (".mp4",), "a video")


def load_reference_image(path: str | os.PathLike) -> np.ndarray:
    """(256, 256, 3) uint8 RGB. Grayscale is expanded, alpha dropped; a non-square image is
    centre-cropped to a square, then resized to 256x256 (Lanczos). The face should already fill
    the frame as in the official samples (FOMM-style crop)."""
    pil = optional("PIL.Image", "video")
    Image, UnidentifiedImageError = pil, pil.UnidentifiedImageError

    p = require_file(path, "reference image", InputError)
    try:
        with Image.open(p) as img:
            img.load()
            if img.mode not in ("RGB", "RGBA", "L", "LA", "P", "I;16", "I", "CMYK"):
                raise InputError(f"{p}: unsupported image mode {img.mode!r}; need RGB, RGBA or grayscale")
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{p}: not a readable image: {exc}") from None
    w, h = rgb.size
    side = min(w, h)
    if side < 16:
        raise InputError(f"{p}: image is {w}x{h}; too small for a face crop")
    if (w, h) != (SIZE, SIZE):
        left, top = (w - side) // 2, (h - side) // 2
        rgb = rgb.crop((left, top, left + side, top + side)).resize((SIZE, SIZE), Image.LANCZOS)
    return np.array(rgb, dtype=np.uint8)


def image_tensor(rgb: np.ndarray) -> torch.Tensor:
    """uint8 HWC RGB -> (3, H, W) float32 in [-1, 1] (official ToTensor + Normalize(0.5, 0.5))."""
    return (torch.from_numpy(rgb).permute(2, 0, 1).float() / 255 - 0.5) / 0.5


def driving_sequence(curves: Curves, still_pose: bool = False, source: str = "curves") -> np.ndarray:
    """(T, 73) [exp | pose]; the pose comes from the curves file or, with still_pose, a fixed pose."""
    if still_pose:
        pose = np.repeat(STILL_POSE[None], curves.frames, axis=0)
    elif curves.pose is None:
        raise InputError(f"{source}: has no pose; generate with --pose POSE.mat, or render with --still-pose")
    else:
        pose = curves.pose
    return driving_array(curves.exp, pose)


def window_indices(frames: int, radius: int = SEMANTIC_RADIUS) -> np.ndarray:
    """(T, 2r+1) indices t-r..t+r clamped to [0, T-1] (edge frames repeated)."""
    t = np.arange(frames)[:, None] + np.arange(-radius, radius + 1)[None, :]
    return np.clip(t, 0, frames - 1)


def driving_windows(seq: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """(T, 73) and window indices (N, 27) -> (N, 73, 27): coefficients x time."""
    return np.ascontiguousarray(seq[idx].transpose(0, 2, 1))


def to_uint8(fake: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) tanh output -> (B, H, W, 3) uint8, clamped then truncated as the official code."""
    return ((fake.clamp(-1, 1) + 1) / 2 * 255).to(torch.uint8).permute(0, 2, 3, 1)


@torch.inference_mode()
def render_frames(
    model: FaceGenerator | OpenVinoGenerator,
    image: np.ndarray,
    seq: np.ndarray,
    batch: int = 4,
    dtype: torch.dtype | None = None,
) -> Iterator[np.ndarray]:
    """Yield (b, 256, 256, 3) uint8 frame batches. dtype=float16/bfloat16 autocasts on the GPU."""
    device = generator_device(model)
    src = image_tensor(image).to(device)[None]
    idx = window_indices(len(seq))
    for start in range(0, len(seq), batch):
        raise_if_stopped()  # rendering runs in a prefetch thread: it stops at the next batch after a cancel
        windows = torch.from_numpy(driving_windows(seq, idx[start : start + batch])).to(device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            fake = model(src.expand(len(windows), -1, -1, -1), windows)["fake_image"]
        yield to_uint8(fake.float()).cpu().numpy()


def write_video(
    batches: Iterable[np.ndarray],
    out: str | os.PathLike,
    fps: float = FPS,
    audio: str | os.PathLike | None = None,
    total_frames: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Encode frame batches once to H.264 (yuv420p) and mux the audio (AAC, cut to the video length)."""
    av = optional("av", "video")

    if audio is not None:
        check_audio(audio)  # a bad file fails here, before any frame is made
    written = 0
    with atomic_path(out) as tmp:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            rate = Fraction(fps).limit_denominator(1001)
            vstream = container.add_stream("libx264", rate=rate)
            vstream.pix_fmt = "yuv420p"
            vstream.options = {"crf": str(CRF), "preset": "veryfast"}
            astream = audio_in = None
            if audio is not None:
                audio_in = open_media(audio, "audio", "video")
                src = audio_in.streams.audio[0]
                astream = container.add_stream("aac", rate=src.rate or 16000)
                astream.layout = "mono" if (src.channels or 1) == 1 else "stereo"
            for frames in prefetch(batches):
                if written == 0:  # the frame size is known once the first batch arrives
                    vstream.height, vstream.width = frames.shape[1:3]
                for frame in frames:
                    for packet in vstream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                        container.mux(packet)
                written += len(frames)
                if progress is not None:
                    progress(written, total_frames or written)
            for packet in vstream.encode():
                container.mux(packet)
            if audio_in is not None:
                _mux_audio(container, astream, audio_in, written / fps)
    return written


def _mux_audio(container, astream, audio_in, seconds: float) -> None:
    """Copy the audio into the AAC stream, trimmed to the video duration (like -shortest)."""
    av = optional("av", "video")

    # frames of exactly the encoder's size, with pts in samples (an mp3's own time base is not the rate)
    frame_size = astream.codec_context.frame_size or 1024
    resampler = av.AudioResampler(format="fltp", layout=astream.layout.name, rate=astream.rate, frame_size=frame_size)
    limit = int(round(seconds * astream.rate))
    done = 0
    try:
        for frame in audio_in.decode(audio=0):
            for rf in resampler.resample(frame):
                if done >= limit:
                    break
                keep = min(rf.samples, limit - done)
                if keep < rf.samples:
                    arr = np.zeros_like(rf.to_ndarray())
                    arr[:, :keep] = rf.to_ndarray()[:, :keep]  # the encoder takes whole frames: pad with silence
                    rf = av.AudioFrame.from_ndarray(arr, format="fltp", layout=astream.layout.name)
                    rf.sample_rate = astream.rate
                rf.pts, rf.time_base = done, Fraction(1, astream.rate)
                done += keep
                for packet in astream.encode(rf):
                    container.mux(packet)
    finally:
        audio_in.close()
    for packet in astream.encode():
        container.mux(packet)


@dataclass(frozen=True)
class Footage:
    """What a render is made of: the curves, the reference image, the sound (muxed, cut to the video),
    whether the head holds still (the curves' pose ignored) and the curves' name in messages."""

    curves: Curves
    image: str | os.PathLike
    audio: str | os.PathLike | None = None
    still_pose: bool = False
    source: str = "curves"


def check_render_inputs(footage: Footage, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Everything a render reads, checked before the renderer is set up: (reference image, driving
    sequence)."""
    image = load_reference_image(footage.image)
    seq = driving_sequence(footage.curves, footage.still_pose, footage.source)
    if batch < 1:
        raise InputError(f"batch must be >= 1, got {batch}")
    if footage.audio is not None:
        check_audio(footage.audio)
    return image, seq


def render_video(
    model: FaceGenerator | OpenVinoGenerator,
    footage: Footage,
    out: str | os.PathLike,
    batch: int = 4,
    dtype: torch.dtype | None = None,
    progress: Progress | None = None,
) -> int:
    """The whole video path; inputs are validated before any frame is computed."""
    image, seq = check_render_inputs(footage, batch)
    frames = render_frames(model, image, seq, batch, dtype)
    return write_video(frames, Path(out), footage.curves.fps, footage.audio, len(seq), progress)
