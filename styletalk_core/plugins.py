"""The one seam between the toolkit and what is built on it: the neural renderer and the Blender
add-on's builder register themselves as entry points (group `styletalk.plugins` in pyproject.toml) and
a command loads the one it needs by name, when it needs it. No module of the toolkit imports theirs:
the renderer and the add-on depend on the toolkit, never the other way round."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType

from .formats.errors import MissingDependencyError

GROUP = "styletalk.plugins"
RENDERER = "renderer"  # the neural face generator, video writing and previews (renderer/api.py)
ADDON_BUILDER = "blender_addon"  # assembles the Blender extension (blender_addon/build.py)


def plugin(name: str) -> ModuleType:
    """The module registered under `name`, imported; one line when it is not installed."""
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise MissingDependencyError(
            f"the toolkit's {name!r} part is not installed (no entry point {name!r} in "
            f"{GROUP}): install the project (`pip install -e .` in the checkout)"
        )
    return importlib.import_module(next(iter(found)).value)
