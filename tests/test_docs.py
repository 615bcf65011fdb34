"""The docs kept in step with the tree: docs/architecture.md's "where things live" names every module of
the three packages and only files that exist, and its table of which part may import which is
tests/test_layout.py's; the README's layout section names every part of the toolkit."""

import re

from .conftest import REPO

ARCHITECTURE = REPO / "docs" / "architecture.md"


def _modules() -> set[str]:
    core = [p for p in (REPO / "styletalk_core").rglob("*.py") if p.name != "__init__.py"]
    renderer = [p for p in (REPO / "renderer").glob("*.py") if p.name != "__init__.py"]
    addon = [
        *(REPO / "blender_addon" / "styletalk").glob("*.py"),
        REPO / "blender_addon" / "build.py",
        REPO / "blender_addon" / "build_demo_scene.py",
    ]
    return {p.relative_to(REPO).as_posix() for p in [*core, *renderer, *addon]}


def _table_paths() -> set[str]:
    table = ARCHITECTURE.read_text().split("## Where things live", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([\w/.]+\.py)`", table))


def test_where_things_live_names_every_module_and_only_real_files():
    named = _table_paths()
    assert sorted(p for p in named if not (REPO / p).is_file()) == []
    assert sorted(_modules() - named) == []


def test_the_readme_layout_names_every_part_of_the_toolkit():
    readme = (REPO / "README.md").read_text()
    layout = readme.split("## Files and layout", 1)[1].split("\n## ", 1)[0]
    core = REPO / "styletalk_core"
    parts = [p.name + "/" for p in core.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    parts += [p.name for p in core.glob("*.py") if p.name != "__init__.py"]
    parts += [p.name for p in (core / "formats").glob("*.py") if p.name != "__init__.py"]
    words = set(re.findall(r"[\w.]+/?", layout))
    assert sorted(p for p in parts if p not in words) == []


def test_the_guides_import_table_is_the_one_the_layout_test_enforces():
    from .test_layout import ALLOWED

    section = ARCHITECTURE.read_text().split("| part | may import |", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in section.strip().splitlines()[1:]]
    table = {part.strip(): {p.strip() for p in allowed.split(",")} - {"nothing"} for part, allowed in rows}
    assert table == ALLOWED
