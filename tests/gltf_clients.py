"""The glTF readers under node (tests/clients/read_gltf.mjs): the Khronos validator and three.js."""

import json
import shutil
import subprocess

import pytest

from .conftest import REPO

CLIENTS = REPO / "tests" / "clients"


def node_reader(mode: str, *args) -> list[dict]:
    """tests/clients/read_gltf.mjs: one JSON object per file."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the glTF validator and three.js tests need it")
    if not (CLIENTS / "node_modules" / "three").is_dir() or not (CLIENTS / "node_modules" / "gltf-validator").is_dir():
        pytest.skip("gltf-validator/three are not installed in tests/clients (run scripts/setup_readers.sh)")
    proc = subprocess.run(
        [node, str(CLIENTS / "read_gltf.mjs"), mode, *map(str, args)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]
