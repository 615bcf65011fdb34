"""Blender's messages reach the user readable (hostile input, class 9): its own report glued to the
child's markers, and an importer's Python traceback, come out as the reason alone."""

import pytest


def test_blenders_messages_reach_the_user_as_the_reason_alone():
    """Blender's own report glued to the child's marker (no newline between), and an importer's Python
    traceback inside Blender's report: the user reads the reason, not frames and internal paths."""
    import subprocess
    import sys

    from styletalk_core.meshio.blender import _follow, _last_words

    code = (
        "import sys; print('@@STAGE import'); sys.stdout.write('Error: Blender said this with no newline'); "
        "print('@@ERROR the file is not a character'); sys.exit(2)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    steps = []
    status, message, tail = _follow(proc, ("import", "done"), lambda d, t: steps.append((d, t)))
    assert (status, message) == (2, "the file is not a character") and steps[0] == (0, 200)
    assert tail == ["Error: Blender said this with no newline"]
    frames = ["Traceback (most recent call last):", '  File "/opt/blender/io_scene_fbx/import_fbx.py", line 3']
    assert _last_words([*frames, "KeyError: 'Objects'", "Location: /opt/x.py:12"]) == "KeyError: 'Objects'"
    assert _last_words(["plain words"]) == "plain words" and _last_words([]) == "it said nothing"


def test_an_importers_traceback_becomes_its_last_error_line(blender):
    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed")
    from styletalk_core.meshio.blender_side import _reason

    report = (
        "Error: Python: Traceback (most recent call last):\n"
        '  File "/usr/lib/blender/scripts/addons_core/io_scene_gltf2/__init__.py", line 1, in execute\n'
        "    return self.import_gltf2(context)\n"
        "ValueError: Buffer 0 has no data\n"
        "Location: /usr/lib/blender/scripts/modules/bpy/ops.py:109\n"
    )
    assert _reason(RuntimeError(report)) == "ValueError: Buffer 0 has no data"
    assert _reason(RuntimeError("Error: Unsupported version\n")) == "RuntimeError: Unsupported version"
