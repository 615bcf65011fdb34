"""The progress callback every long step of the toolkit takes: called with (done, total) as work
advances. The CLI turns it into tqdm bars or `--progress lines`; the add-on into its progress bar."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
