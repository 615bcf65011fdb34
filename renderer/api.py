"""What the toolkit's commands use of the renderer, in one place: the `renderer` entry point that
styletalk_core.plugins loads (the CLI's render, preview and batch, and the demo)."""

from .batch import preview_writer, render_writer
from .checkpoint import load_renderer
from .engine import choose_engine, generator_device, inference_generator
from .preview import check_preview_size, preview_frames
from .video import (
    STILL_POSE,
    Footage,
    check_render_inputs,
    check_video_output,
    load_reference_image,
    render_video,
    write_video,
)

__all__ = [
    "STILL_POSE",
    "check_preview_size",
    "Footage",
    "check_render_inputs",
    "check_video_output",
    "choose_engine",
    "generator_device",
    "inference_generator",
    "load_reference_image",
    "load_renderer",
    "preview_frames",
    "preview_writer",
    "render_video",
    "render_writer",
    "write_video",
]
