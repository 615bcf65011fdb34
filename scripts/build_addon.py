"""Build the installable Blender extension zip: blender_addon/styletalk + the embedded face model.

Usage: .venv/bin/python scripts/build_addon.py [-o dist/styletalk-0.1.0.zip]
"""

from __future__ import annotations

import argparse
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "blender_addon" / "styletalk"
FACE_MODEL = ROOT / "styletalk_core" / "data" / "face_model.npz"


def build(out: Path | None = None) -> Path:
    manifest = tomllib.loads((ADDON / "blender_manifest.toml").read_text())
    out = out or ROOT / "dist" / f"{manifest['id']}-{manifest['version']}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(ADDON.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                z.write(f, f.relative_to(ADDON).as_posix())
        z.write(FACE_MODEL, "face_model.npz")
    tmp.replace(out)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", type=Path)
    print(build(ap.parse_args().output))
