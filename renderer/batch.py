"""The renderer's outputs for `styletalk batch` (styletalk_core.batch.Writer): the weight-free preview
and the photoreal render from the take's reference image. Each process loads the renderer weights
once; on a cluster the render runs on a worker with a GPU when there is one (Writer.gpu)."""

from __future__ import annotations

import functools
import os

from styletalk_core.batch import Writer
from styletalk_core.formats.checkpoints import file_sha256
from styletalk_core.settings import PreviewSettings, RenderSettings

_models: dict = {}  # (weights, device) -> the renderer, per process


def _preview(curves, path, take) -> None:
    from .preview import preview_frames
    from .video import write_video

    write_video(preview_frames(curves, PreviewSettings.size), path, curves.fps, take.audio, curves.frames)


def _model(weights: str, device: str | None):
    from styletalk_core.device import pick_device

    from .checkpoint import load_renderer

    key = (weights, device)
    if key not in _models:
        _models[key] = load_renderer(weights, pick_device(device))
    return _models[key]


def _render(weights: str, device: str | None, precision: str, curves, path, take) -> None:
    from styletalk_core.device import autocast_dtype

    from .video import Footage, render_video

    model = _model(weights, device)
    dtype = autocast_dtype(precision, next(model.parameters()).device)
    footage = Footage(curves, take.image, take.audio, still_pose=curves.pose is None, source=take.id)
    render_video(model, footage, path, RenderSettings.batch, dtype)


def _check_image(take) -> None:
    st = os.stat(take.image) if os.path.isfile(take.image) else None
    _image_loads(str(take.image), st.st_size if st else -1, st.st_mtime_ns if st else -1)


@functools.lru_cache(maxsize=1024)
def _image_loads(path: str, size: int, mtime_ns: int) -> None:
    """The image loads, or its one-line reason is raised: a good file is read once, however many takes use it."""
    from .video import load_reference_image

    load_reference_image(path)


def preview_writer() -> Writer:
    """A take's preview video (PreviewSettings' size) with its audio."""
    return Writer(_preview)


def render_writer(
    weights: str | os.PathLike, device: str | None = None, precision: str = RenderSettings.precision
) -> Writer:
    """A take's photoreal video from its reference image (`image`), with its audio; a take without
    head pose keeps the image's still pose. The weights are loaded here once (a bad file is refused
    before any take runs), and again once in each cluster worker that renders."""
    from styletalk_core.device import autocast_dtype, pick_device

    weights = os.fspath(weights)
    autocast_dtype(precision, pick_device(device))  # an unusable precision is refused now
    _model(weights, device)
    return Writer(
        functools.partial(_render, weights, device, precision), check=_check_image, key=file_sha256(weights), gpu=True
    )
