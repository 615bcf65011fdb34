"""The add-on's scene settings start where the toolkit's do: the same defaults and limits as the
command line (the add-on cannot import the toolkit's settings, so this keeps the two in step), and
every language the toolkit labels, English first."""

import importlib
import sys
import types

import pytest

from styletalk_core.formats.languages import DEFAULT_LANGUAGE, LANGUAGES
from styletalk_core.formats.timebase import MAX_SYNC_OFFSET_MS
from styletalk_core.settings import GenerateSettings


@pytest.fixture
def properties(monkeypatch):
    """StyleTalkSettings' properties as (kind, options), read with bpy's property functions recorded."""
    bpy = types.ModuleType("bpy")
    props = types.ModuleType("bpy.props")
    kinds = ("Bool", "Collection", "Enum", "Float", "Int", "Pointer", "String")
    for kind in (f"{k}Property" for k in kinds):
        setattr(props, kind, lambda _kind=kind, **options: (_kind, options))
    bpy.props, bpy.types = props, types.SimpleNamespace(PropertyGroup=object, Object=object, Collection=object)
    monkeypatch.setitem(sys.modules, "bpy", bpy)
    monkeypatch.setitem(sys.modules, "bpy.props", props)
    monkeypatch.delitem(sys.modules, "styletalk_addon.styletalk.settings", raising=False)
    module = importlib.import_module("styletalk_addon.styletalk.settings")
    # the module's annotations are strings (postponed evaluation): evaluated as Blender evaluates them
    yield {name: eval(text, vars(module)) for name, text in module.StyleTalkSettings.__annotations__.items()}
    monkeypatch.delitem(sys.modules, "styletalk_addon.styletalk.settings")


def test_the_panels_defaults_and_limits_are_the_command_lines(properties):
    assert properties["style_strength"][1]["default"] == GenerateSettings.style_strength
    assert properties["lip_closure"][1]["default"] is GenerateSettings.lip_closure
    sync = properties["sync_offset"][1]
    assert sync["default"] == GenerateSettings.sync_offset_ms
    assert (sync["min"], sync["max"]) == (-MAX_SYNC_OFFSET_MS, MAX_SYNC_OFFSET_MS)


def test_every_language_is_offered_english_first(properties):
    kind, language = properties["language"]
    codes = [item[0] for item in language["items"]]
    assert kind == "EnumProperty" and language["default"] == DEFAULT_LANGUAGE == codes[0]
    assert sorted(codes) == sorted(LANGUAGES)
