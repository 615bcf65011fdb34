"""Assemble the Blender extension: blender_addon/styletalk + the toolkit's format modules (copied,
so the add-on and the toolkit read and write curves in one layout) + its Blender-version shims
(meshio/compat.py, which the toolkit's Blender process uses too) + the embedded face model and its
ARKit basis. In the repository these are symbolic links into styletalk_core, so the add-on also runs
from its source as it sits (Blender's "link" of a development folder); the builder copies what they
point at."""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import styletalk_core.formats as formats
from styletalk_core.resources import ARKIT_BASIS_FILE, FACE_MODEL_FILE

ADDON = Path(__file__).resolve().parent / "styletalk"
DEMO_SCENE_SCRIPT = Path(__file__).resolve().parent / "build_demo_scene.py"
# the toolkit modules the add-on imports, copied into styletalk/formats/ (none imports torch)
SHARED_FORMATS = (
    "__init__.py",
    "errors.py",
    "layout.py",
    "fileio.py",
    "bounded.py",
    "curves.py",
    "export.py",
    "outputs.py",
    "arkit.py",
    "character.py",
    "morph.py",
    "timebase.py",
    "placed.py",
    "languages.py",
)


def addon_files() -> dict[str, Path]:
    """Path inside the extension -> source file."""
    files = {
        f.relative_to(ADDON).as_posix(): f
        for f in sorted(ADDON.rglob("*"))
        if f.is_file() and not f.is_symlink() and "__pycache__" not in f.parts
    }
    shared = Path(formats.__file__).parent
    files |= {f"formats/{name}": shared / name for name in SHARED_FORMATS}
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
