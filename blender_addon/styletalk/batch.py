"""The takes of a `styletalk batch` output folder, for importing as one action per take (pure: no
bpy). A take is a sub-folder whose take.json lists a curves.npz that is there."""

from __future__ import annotations

import json
from pathlib import Path

RECORD = "take.json"
CURVES = "curves.npz"


def batch_takes(folder: str) -> tuple[list[tuple[str, Path]], list[str]]:
    """(take id, its curves file) sorted by id, and a one-line problem for each take folder that has a
    record but no usable curves; raises ValueError when the folder holds no batch takes at all."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{folder}: not a folder (choose the output folder of styletalk batch)")
    takes, problems = [], []
    for record in sorted(root.glob(f"*/{RECORD}")):
        take = record.parent
        try:
            listed = json.loads(record.read_text()).get("outputs", [])
        except (OSError, ValueError, AttributeError, RecursionError) as exc:
            problems.append(f"{take.name}: its {RECORD} does not read ({type(exc).__name__})")
            continue
        if not isinstance(listed, list):
            problems.append(f"{take.name}: its {RECORD} lists its outputs as {type(listed).__name__}, not a list")
            continue
        if CURVES not in listed or not (take / CURVES).is_file():
            problems.append(f"{take.name}: has no {CURVES} (add curves to the take's outputs)")
            continue
        takes.append((take.name, take / CURVES))
    if not takes and not problems:
        raise ValueError(f"{folder}: holds no batch takes (no */{RECORD}; choose the output folder of styletalk batch)")
    return takes, problems
