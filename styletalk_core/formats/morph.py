"""Morph-target weights every importer keeps: a key whose animation leaves [0, 1] (our expression
keys swing both ways, up to +-10) becomes a positive and a negative target, each scaled so its
weight stays within [0, 1] and the sum of the two moves the mesh exactly as the signed key did.
Importers clamp otherwise: assimp drops negative weights, Blender's glTF importer clamps to the
first key's range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class UnitTarget:
    """One written target: `scale` times the offset of key `source`, at weight value / scale."""

    name: str
    source: int
    scale: float


def unit_targets(names: list[str], values: np.ndarray) -> list[UnitTarget]:
    """The targets to write for keys `names` animated by `values` (T, K): a key within [0, 1] as it is;
    any other as `NAME_pos` (scale S) where it goes above 0 and `NAME_neg` (scale -S) where it goes
    below, S = max(1, its largest magnitude)."""
    values = np.asarray(values, np.float64).reshape(-1, len(names))
    out = []
    for j, name in enumerate(names):
        column = values[:, j] if len(values) else np.zeros(1)
        low, high = float(column.min()), float(column.max())
        if low >= 0.0 and high <= 1.0:
            out.append(UnitTarget(name, j, 1.0))
            continue
        scale = max(1.0, abs(low), abs(high))
        if high > 0.0:
            out.append(UnitTarget(f"{name}_pos", j, scale))
        if low < 0.0:
            out.append(UnitTarget(f"{name}_neg", j, -scale))
    return out


def unit_weights(targets: list[UnitTarget], values: np.ndarray) -> np.ndarray:
    """(T, len(targets)) weights within [0, 1] that reproduce `values` (T, K) through `targets`."""
    values = np.asarray(values, np.float64)
    if not targets:
        return np.zeros((len(values), 0))
    columns = values[:, [t.source for t in targets]] / np.array([t.scale for t in targets])
    return np.clip(columns, 0.0, 1.0)
