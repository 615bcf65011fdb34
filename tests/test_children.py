"""The toolkit's child processes never import from the working folder: Blender's process and the
labeller's worker processes, started from a folder full of modules named like the ones they import,
do their work and run none of them (the batch's pool and Ray's workers: tests/batch; the add-on's
jobs: tests/blender_addon)."""

import os
import sys

import pytest

from styletalk_core.children import child_environment, isolated_spawned_workers, python_module, safe_pythonpath
from styletalk_core.meshio import read_character
from styletalk_core.speech.sphinx import normalise_transcript, segment_map
from styletalk_core.threads import thread_budget

from . import hostile


def test_child_commands_and_environment_keep_the_working_folder_out(monkeypatch):
    assert python_module("m", "a") == [sys.executable, "-P", "-m", "m", "a"]
    assert safe_pythonpath(f"{os.pathsep}rel{os.pathsep}/abs{os.pathsep}", ["/first"]) == f"/first{os.pathsep}/abs"
    monkeypatch.setenv("PYTHONPATH", os.pathsep)  # an empty entry: the working folder
    env = child_environment()
    assert env["PYTHONSAFEPATH"] == "1" and "PYTHONPATH" not in env


def test_spawned_workers_get_the_child_settings_and_the_caller_its_environment_back(monkeypatch):
    """A library caller's own environment is theirs: set for a pool's workers, then as it was (it
    was left set, and a caller's later `python -c` in a folder of its own no longer saw that folder)."""
    monkeypatch.delenv("PYTHONSAFEPATH", raising=False)
    monkeypatch.setenv("PYTHONPATH", f"/theirs{os.pathsep}relative")
    with isolated_spawned_workers():
        assert os.environ["PYTHONSAFEPATH"] == "1" and os.environ["PYTHONPATH"] == "/theirs"
    assert "PYTHONSAFEPATH" not in os.environ and os.environ["PYTHONPATH"] == f"/theirs{os.pathsep}relative"


@pytest.mark.slow
def test_blenders_process_imports_nothing_from_the_working_folder(blender, tmp_path, monkeypatch):
    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
    mesh = tmp_path / "triangle.glb"
    mesh.write_bytes(hostile.triangle_glb())
    ran = hostile.plant_modules(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("PYTHONPATH", os.pathsep)
    assert len(read_character(mesh).parts) == 1
    assert not ran.exists(), ran.read_text()


def test_the_labellers_worker_processes_import_nothing_from_the_working_folder(tmp_path, monkeypatch):
    ran = hostile.plant_modules(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "work")
    with thread_budget(2), segment_map(3) as run:
        assert run is not map  # worker processes, as for a long recording's segments
        assert list(run(normalise_transcript, ["A b", "c", "D"])) == [["a", "b"], ["c"], ["d"]]
    assert not ran.exists(), ran.read_text()


@pytest.mark.slow
def test_blenders_process_leaves_nothing_in_the_temporary_directory(blender, tmp_path, monkeypatch):
    """Blender's own blender_* folder (never removed by a process ended with os._exit) is made inside
    a folder of the run's, removed with it."""
    import tempfile

    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
    mesh = tmp_path / "triangle.glb"
    mesh.write_bytes(hostile.triangle_glb())
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert len(read_character(mesh).parts) == 1
    assert list(scratch.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_that_asked_to_die_with_its_parent_does_when_the_parent_is_killed(tmp_path):
    """die_with_parent (the batch's and the labeller's workers, Blender's process): a parent killed with
    SIGKILL takes its child with it; a child whose parent is gone already ends at once."""
    import signal
    import subprocess
    import time

    child = (
        "import os, sys, time\nfrom styletalk_core.children import die_with_parent\n"
        "die_with_parent(int(sys.argv[1]))\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n"
    )
    parent = (
        "import os, subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', {child!r}, str(os.getpid())], stdout=subprocess.PIPE)\n"
        "print(p.stdout.readline().decode().strip(), flush=True)\ntime.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    grandchild = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists(f"/proc/{grandchild}"):
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{grandchild}")
    late = subprocess.run([sys.executable, "-c", child, "1"], capture_output=True, timeout=30)
    assert late.returncode == 1 and late.stdout == b""  # its parent was never pid 1: ended at once
