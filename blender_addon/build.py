"""Assemble the Blender extension: blender_addon/styletalk + the toolkit's format modules (copied,
so the add-on and the toolkit read and write curves in one layout) + its Blender-version shims
(meshio/compat.py, which the toolkit's Blender process uses too) + the embedded face model and its
ARKit basis. In the repository these are symbolic links into styletalk_core, so the add-on also runs
from its source as it sits (Blender's "link" of a development folder); the builder copies what they
point at."""

from __future__ import annotations

import ast
import shutil
import tomllib
import zipfile
from pathlib import Path

import styletalk_core.formats as formats
from styletalk_core.resources import ARKIT_BASIS_FILE, FACE_MODEL_FILE

ADDON = Path(__file__).resolve().parent / "styletalk"
DEMO_SCENE_SCRIPT = Path(__file__).resolve().parent / "build_demo_scene.py"


def _formats_imports(path: Path, package: bool) -> set[str]:
    """The formats modules a file imports: the add-on's own modules (`package`: from .formats...) or a
    formats module (from .X ...)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        parts = (node.module or "").split(".")
        if package and parts[0] == "formats":
            names |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif not package:  # from .X import ..., or from . import X
            names |= {parts[0]} if node.module else {a.name for a in node.names}
    return names


def shared_formats() -> tuple[str, ...]:
    """The toolkit's formats modules the add-on needs, copied into styletalk/formats/: those its own
    modules import and, in turn, theirs (computed from the imports, so the zip holds what running
    from the source would import; none imports torch)."""
    shared = Path(formats.__file__).parent
    todo = set().union(*(_formats_imports(f, True) for f in ADDON.glob("*.py") if not f.is_symlink()))
    needed: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in needed and (shared / f"{name}.py").is_file():
            needed.add(name)
            todo |= _formats_imports(shared / f"{name}.py", False)
    return ("__init__.py", *sorted(f"{name}.py" for name in needed))


def addon_files() -> dict[str, Path]:
    """Path inside the extension -> source file."""
    files = {
        f.relative_to(ADDON).as_posix(): f
        for f in sorted(ADDON.rglob("*"))
        if f.is_file() and not f.is_symlink() and "__pycache__" not in f.parts
    }
    shared = Path(formats.__file__).parent
    files |= {f"formats/{name}": shared / name for name in shared_formats()}
    files["compat.py"] = shared.parent / "meshio" / "compat.py"
    files["face_model.npz"] = FACE_MODEL_FILE
    files["arkit_basis.npz"] = ARKIT_BASIS_FILE
    return files


def assemble(dest: Path) -> Path:
    """The extension as a folder `dest/styletalk` (importable with `dest` on sys.path)."""
    root = Path(dest) / "styletalk"
    for name, src in addon_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / name)
    return root


def build_zip(out: Path | None = None, dist: Path = Path("dist")) -> Path:
    """The installable extension zip (default dist/ID-VERSION.zip), written atomically."""
    manifest = tomllib.loads((ADDON / "blender_manifest.toml").read_text())
    out = Path(out or dist / f"{manifest['id']}-{manifest['version']}.zip")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, src in addon_files().items():
            z.write(src, name)
    tmp.replace(out)
    return out
