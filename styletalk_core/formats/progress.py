"""The progress callback every long step of the toolkit takes: called with (done, total) as work
advances. The CLI turns it into tqdm bars or `--progress lines`; the add-on into its progress bar."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
STEPS = 1000  # one bar that a command's stages share


def stage(progress: Progress | None, start: float, share: float) -> Progress:
    """A stage's own (done, total) on the part [start, start + share) of one bar of STEPS; a callback
    that does nothing when there is no bar."""
    if progress is None:
        return lambda done, total: None
    return lambda done, total: progress(int(STEPS * (start + share * min(done, total) / max(total, 1))), STEPS)


def reached(progress: Progress | None, fraction: float) -> None:
    """The bar at `fraction` of its STEPS (a stage with no steps of its own done)."""
    if progress is not None:
        progress(int(STEPS * fraction), STEPS)
