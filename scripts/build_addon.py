"""Build the installable Blender extension zip (see blender_addon/build.py).

Usage: .venv/bin/python scripts/build_addon.py [-o dist/styletalk-0.1.0.zip]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from styletalk_addon.build import build_zip

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, help="zip to write (default dist/ID-VERSION.zip)")
    print(build_zip(ap.parse_args().output, ROOT / "dist"))
