#!/usr/bin/env bash
# The readers tests/test_real_clients.py runs our files through, beside the pinned environment:
# assimp (Debian's libassimp, read through pyassimp), and the Khronos glTF validator and three.js
# (npm, into tests/clients/node_modules). Each part that cannot be installed is reported and its
# tests skip with one line; nothing here is needed to use the toolkit.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p 2>/dev/null | grep -q libassimp.so; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libassimp5) >/dev/null \
      || echo "setup_readers: could not install libassimp5 (assimp tests will skip)"
  else
    echo "setup_readers: libassimp is not installed and apt-get needs root (assimp tests will skip)"
  fi
fi
if [ -x .venv/bin/python ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements/readers.txt \
    || echo "setup_readers: could not install pyassimp (assimp tests will skip)"
fi
if command -v npm >/dev/null; then
  npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error >/dev/null \
    || echo "setup_readers: npm could not install gltf-validator/three (validator and three.js tests will skip)"
else
  echo "setup_readers: npm is not installed (validator and three.js tests will skip)"
fi
exit 0
