#!/usr/bin/env bash
# Create or reuse .venv at the repo root and install the pinned environment plus this project.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.installed-$(cat requirements/constraints.txt pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements/constraints.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps mediapipe==0.10.21
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  rm -f .venv/.installed-* && touch "$stamp"
fi
# espeak-ng reads transcripts in every language but English: a program (GPL), run as its own process
if ! command -v espeak-ng >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng) >/dev/null \
      || echo "setup: could not install espeak-ng (transcripts in languages other than English will be refused)"
  else
    echo "setup: espeak-ng is not installed and apt-get needs root: apt install espeak-ng for other languages"
  fi
fi
# A second, small environment with Blender 4.2 LTS for the add-on's legacy-API tests.
[ -x .venv-bpy42/bin/python ] || "$PYTHON" -m venv .venv-bpy42
stamp42=.venv-bpy42/.installed-$(sha256sum requirements/bpy42.txt | cut -c1-16)
if [ ! -f "$stamp42" ]; then
  .venv-bpy42/bin/python -m pip install -q --disable-pip-version-check -r requirements/bpy42.txt
  rm -f .venv-bpy42/.installed-* && touch "$stamp42"
fi
