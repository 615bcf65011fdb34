"""The one home of what differs between Blender 4.2 LTS and 5.x (meshio/compat.py, linked into the
add-on): on real data-blocks in both, an action's F-curves made, listed and played, an action assigned
back through its slot, the sound strips and fresh loop triangles."""

import json
import subprocess

import pytest

from ..blender_scene import blender_python
from ..conftest import REPO


@pytest.mark.slow
@pytest.mark.parametrize("version", ["5.0", "4.2"])
def test_the_shims_work_on_real_data_blocks(blender, version):
    python = blender_python(version)
    script, compat = REPO / "tests" / "blender" / "compat_checks.py", REPO / "styletalk_core" / "meshio" / "compat.py"
    proc = subprocess.run([python, str(script), str(compat)], capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    r = json.loads(lines[0].removeprefix("RESULTS "))
    assert r["blender"].startswith(version) and r["layers"] == (version != "4.2")
    assert r["paths"] == ['key_blocks["open"].value', 'key_blocks["smile"].value']
    assert r["played"] == r["back"] == [0.5, 0.75]
    assert r["strips"] == 0 and r["triangles"] == 12
