"""The toolkit loads what is built on it (the renderer, the add-on's builder) by entry-point name, and
a part that is not installed is one line."""

import pytest

from styletalk_core.formats.errors import MissingDependencyError
from styletalk_core.plugins import ADDON_BUILDER, RENDERER, plugin


def test_the_parts_built_on_the_toolkit_load_by_name():
    assert plugin(RENDERER).__name__ == "styletalk_renderer.api"
    assert hasattr(plugin(ADDON_BUILDER), "assemble")


def test_a_part_not_installed_is_one_line():
    with pytest.raises(MissingDependencyError, match="the toolkit's 'lipreader' part is not installed"):
        plugin("lipreader")
