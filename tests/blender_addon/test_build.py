"""The add-on's zip as the builder assembles it: exactly the toolkit's format modules the add-on imports,
unchanged, pure modules free of bpy and torch; and the add-on run from its source without the builder."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from styletalk_addon.build import assemble, shared_formats

from ..blender_scene import blender_python
from ..conftest import REPO


@pytest.fixture(scope="module")
def addon_parent():
    """The add-on as its zip holds it, assembled once for this module's tests: the folder holding it."""
    folder = Path(tempfile.mkdtemp(prefix="styletalk_addon_"))
    yield assemble(folder).parent
    shutil.rmtree(folder, ignore_errors=True)


def test_pure_modules_do_not_import_bpy_or_torch(addon_parent):
    code = f"import sys; sys.path.insert(0, {str(addon_parent)!r}); "
    code += "import styletalk.keys, styletalk.jobs, styletalk.modal, styletalk.batch, "
    code += "styletalk.formats.curves, styletalk.formats.export; "
    code += "assert 'bpy' not in sys.modules and 'torch' not in sys.modules and 'styletalk_core' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=addon_parent, check=True)


def test_addon_ships_the_toolkit_format_modules_unchanged(addon_parent):
    import styletalk_core.formats as formats

    for name in shared_formats():
        shipped = (addon_parent / "styletalk" / "formats" / name).read_bytes()
        assert shipped == (Path(formats.__file__).parent / name).read_bytes(), name


def test_the_zip_holds_every_format_module_the_addon_imports_and_no_other(addon_parent):
    """Computed from the imports (the add-on's own, anywhere in a function too, then theirs): what runs
    from the source's link runs from the zip; nothing that imports torch is shipped."""
    import ast

    shipped = {p.name for p in (addon_parent / "styletalk" / "formats").glob("*.py")}
    assert "checkpoints.py" not in shipped and {"curves.py", "outputs.py", "export.py"} <= shipped
    for path in (addon_parent / "styletalk").rglob("*.py"):
        in_formats = path.parent.name == "formats"
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.level == 1):
                continue
            module = node.module or ""
            if in_formats:  # from .X import ...
                wanted = {module.split(".")[0]} if module else {a.name for a in node.names}
            elif module == "formats":  # from .formats import X
                wanted = {a.name for a in node.names}
            elif module.startswith("formats."):  # from .formats.X import ...
                wanted = {module.split(".")[1]}
            else:
                continue
            assert {f"{w}.py" for w in wanted} <= shipped, (path.name, module)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["5.0", "4.2"])
def test_the_addon_runs_from_its_source_without_the_builder(blender, version, tmp_path):
    """Blender enables blender_addon/styletalk as it sits in the repository (its formats and face model
    are links into styletalk_core), registers every operator, and Add Face works."""
    argv = [
        blender_python(version),
        str(REPO / "tests" / "blender" / "source_checks.py"),
        str(REPO / "blender_addon" / "styletalk"),
        str(tmp_path),
    ]
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(tmp_path / "blender_user")}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(lines[0].removeprefix("RESULTS "))
    assert r["enabled"] and {"add_face", "generate", "transfer_keys", "place_landmarks"} <= set(r["operators"]), r
    assert r["add_face"] == "{'FINISHED'}" and r["face_keys"] == 64 + 1
    assert r["formats_from"] == str(REPO / "styletalk_core" / "formats")
