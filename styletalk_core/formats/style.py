"""A style request as a user writes it: each source (a clip file, or `preset:NAME` stored in the
checkpoint) with its mixing weight, and the strength; checked before anything slow runs. No torch:
the command line, a batch manifest and the network's mixing check requests the same way."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

PRESET_PREFIX = "preset:"
MAX_STRENGTH = 100.0  # beyond this the style code leaves any range the decoders have seen


@dataclass(frozen=True)
class StyleSpec:
    """One style source and its mixing weight: a clip file, or `preset:NAME` stored in the checkpoint."""

    path: Path | str
    weight: float = 1.0

    @property
    def preset(self) -> str | None:
        text = str(self.path)
        return text.removeprefix(PRESET_PREFIX) if text.startswith(PRESET_PREFIX) else None


def check_style_weights(weights: Sequence[float], sources: int) -> list[float]:
    """`weights` normalised to sum to 1; refused unless there is one per source, each finite and >= 0,
    with a positive sum."""
    if len(weights) != sources:
        raise InputError(f"{sources} style clips but {len(weights)} style weights")
    values = [float(w) for w in weights]
    total = sum(values)  # inf when the weights overflow their sum: refused below
    if not all(math.isfinite(w) and w >= 0 for w in values) or not math.isfinite(total) or total <= 0:
        raise InputError(f"style weights must be finite, >= 0 and with a positive sum, got {list(weights)}")
    return [w / total for w in values]


MAX_STYLES = 16  # styles in one mix (a take naming one clip 10,000 times took 3.5 GB)


def check_style_settings(styles: Sequence[StyleSpec], strength: float) -> None:
    """Refuse settings that would make non-finite curves, before anything slow runs."""
    if not styles:
        raise InputError("at least one style clip is needed")
    if len(styles) > MAX_STYLES:
        raise InputError(f"{len(styles)} styles to mix; a mix takes at most {MAX_STYLES}")
    if not math.isfinite(strength) or abs(strength) > MAX_STRENGTH:
        raise InputError(f"--style-strength must be a finite number within ±{MAX_STRENGTH:g}, got {strength}")
    check_style_weights([s.weight for s in styles], len(styles))
