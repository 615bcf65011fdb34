"""What native libraries (MediaPipe, OpenVINO) write on their own is kept from the user, and what
they swallow is not lost: their log lines on file descriptor 2, and a stop asked for by a signal
while their code runs."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

_stop = threading.Event()


@contextlib.contextmanager
def native_logs_silenced():
    """Native code (MediaPipe's TFLite, absl and glog; OpenVINO) writes INFO/WARNING lines straight to
    file descriptor 2; a user should see only our own one-line messages, so fd 2 goes to /dev/null
    for the duration (Python's own stderr is flushed first and restored after)."""
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


def request_stop() -> None:
    """A signal asked the command to stop (the CLI's SIGTERM/SIGINT handler calls this)."""
    _stop.set()


def clear_stop() -> None:
    """A new command in this process starts with no stop asked for."""
    _stop.clear()


def raise_if_stopped() -> None:
    """Native code that runs Python callbacks (OpenVINO's converter) can swallow the KeyboardInterrupt
    a signal raised inside it: call this after such code so the stop is not lost."""
    if _stop.is_set():
        raise KeyboardInterrupt
