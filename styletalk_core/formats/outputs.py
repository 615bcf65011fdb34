"""One table of what the toolkit writes: each output kind (the name given to `styletalk export
--format`, in a batch manifest's `outputs` and in the add-on's Export), its file in a batch take's
folder (whose suffix a path must end in), a line saying what it is, and how it is made. The layer
that owns a kind registers it when it is imported: formats.export the curves file and the curves
exports, retarget.arkit the ARKit exports, batch the character files and the videos whose writers
come from elsewhere. Everything that lists or writes outputs reads this table, and `write_output`
is the one dispatcher for the kinds made from curves alone."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .curves import Curves
from .errors import InputError
from .fileio import require_suffix

Writer = Callable[[Curves, Path, str], None]  # (curves, path, the source's name for messages)


@dataclass(frozen=True)
class OutputKind:
    name: str
    file: str  # in a batch take's folder; its suffix is the one an output path must end in
    description: str
    write: Writer | None = None  # made from the curves alone
    needs_pose: bool = False  # refused for curves without a head pose
    character: bool = False  # a character file: the take's character with our keys (batch)
    handed: str = ""  # made by a writer the caller hands in: what a take asking for it without one needs

    @property
    def suffix(self) -> str:
        return Path(self.file).suffix


KINDS: dict[str, OutputKind] = {}


def register(*kinds: OutputKind) -> None:
    """Add kinds to the table (by the module that owns them, when it is imported)."""
    for kind in kinds:
        if kind.name in KINDS and KINDS[kind.name] != kind:
            raise ValueError(f"output kind {kind.name!r} is registered twice")
        KINDS[kind.name] = kind


def curves_kinds() -> list[OutputKind]:
    """The kinds made from curves alone, in the order registered."""
    return [k for k in KINDS.values() if k.write is not None]


def output_kind(name: str, kinds: list[OutputKind] | None = None) -> OutputKind:
    """The kind named `name` among `kinds` (default: all registered), or one line naming them."""
    among = {k.name: k for k in (kinds if kinds is not None else KINDS.values())}
    if name not in among:
        raise InputError(f"unknown output {name!r}; outputs are {', '.join(among)}")
    return among[name]


def write_output(curves: Curves, path: str | os.PathLike, name: str, source: str = "curves") -> Path:
    """Write `curves` as the output kind `name` to `path` (ending in its suffix); a kind that needs a
    pose is refused for curves without one, before anything is written. Returns the path."""
    kind = output_kind(name, curves_kinds())
    target = require_suffix(path, (kind.suffix,), f"{name} ({kind.description})")
    if kind.needs_pose and curves.pose is None:
        raise InputError(f"{source}: has no pose; {name} needs one (generate with --pose POSE.mat)")
    kind.write(curves, target, source)
    return target


# this layer's own kinds (the curves file and its exports) are in the table whenever it is imported, and
# first, whichever module imports it first (the order is the order listed: --format, refusals, the add-on)
from . import export  # noqa: E402, F401
