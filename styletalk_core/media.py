"""Audio and video files opened with PyAV, refused in one line when missing, unreadable or without the
stream asked for (the speech, face tracking and renderer read them all this way)."""

from __future__ import annotations

import os

from .extras import optional
from .formats.errors import InputError
from .formats.fileio import require_file


def open_media(path: str | os.PathLike, kind: str, extra: str):
    """`path` opened (the caller closes it) with at least one `kind` ("audio" or "video") stream; a
    missing PyAV names the `extra` that installs it."""
    av = optional("av", extra)
    p = require_file(path, f"{kind} file", InputError)
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: cannot read {kind}: {exc}") from None
    if not getattr(container.streams, kind):
        container.close()
        raise InputError(f"{p}: has no {kind} stream")
    return container
