"""The Blender extension in real bpy (headless): the zip and its modules, install, keys, exports, ARKit
and the add-on run from its source (its pure modules: tests/blender_addon/test_<module>.py)."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from styletalk_addon.build import assemble, shared_formats
from styletalk_addon.styletalk import jobs  # the add-on's pure modules, from its source: no bpy import
from styletalk_addon.styletalk.formats.curves import load_curves
from styletalk_addon.styletalk.formats.errors import InputError

from .. import hostile
from ..blender_scene import blender_python, run_checks
from ..conftest import REPO, spoken


@pytest.fixture(scope="module")
def addon_parent():
    """The add-on as its zip holds it, assembled once for this module's tests: the folder holding it."""
    folder = Path(tempfile.mkdtemp(prefix="styletalk_addon_"))
    yield assemble(folder).parent
    shutil.rmtree(folder, ignore_errors=True)


def test_pure_modules_do_not_import_bpy_or_torch(addon_parent):
    code = "import sys; import styletalk.keys, styletalk.jobs, styletalk.modal, styletalk.batch, "
    code += "styletalk.formats.curves, styletalk.formats.export; "
    code += "assert 'bpy' not in sys.modules and 'torch' not in sys.modules and 'styletalk_core' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=addon_parent, check=True)


def test_addon_ships_the_toolkit_format_modules_unchanged(addon_parent):
    import styletalk_core.formats as formats

    for name in shared_formats():
        shipped = (addon_parent / "styletalk" / "formats" / name).read_bytes()
        assert shipped == (Path(formats.__file__).parent / name).read_bytes(), name


def test_the_zip_holds_every_format_module_the_addon_imports_and_no_other(addon_parent):
    """Computed from the imports (the add-on's own, anywhere in a function too, then theirs): what runs
    from the source's link runs from the zip; nothing that imports torch is shipped."""
    import ast

    shipped = {p.name for p in (addon_parent / "styletalk" / "formats").glob("*.py")}
    assert "checkpoints.py" not in shipped and {"curves.py", "outputs.py", "export.py"} <= shipped
    for path in (addon_parent / "styletalk").rglob("*.py"):
        in_formats = path.parent.name == "formats"
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.level == 1):
                continue
            module = node.module or ""
            if in_formats:  # from .X import ...
                wanted = {module.split(".")[0]} if module else {a.name for a in node.names}
            elif module == "formats":  # from .formats import X
                wanted = {a.name for a in node.names}
            elif module.startswith("formats."):  # from .formats.X import ...
                wanted = {module.split(".")[1]}
            else:
                continue
            assert {f"{w}.py" for w in wanted} <= shipped, (path.name, module)


def test_read_curves_errors(tmp_path):
    np.savez(tmp_path / "bad.npz", exp=np.zeros((3, 10)))
    with pytest.raises(InputError, match=r"bad.npz.*\(3, 10\)"):
        load_curves(tmp_path / "bad.npz")
    with pytest.raises(InputError, match="not found"):
        load_curves(tmp_path / "none.npz")
    (tmp_path / "c.json").write_text(json.dumps({"fps": 25, "exp": [[0.5] * 64] * 2}))
    data = load_curves(tmp_path / "c.json")
    assert data.exp.shape == (2, 64) and data.fps == 25


def _write_inputs(work: Path) -> None:
    t = np.arange(90)
    exp = np.zeros((90, 64), np.float32)
    exp[:, 0] = -2.0 * np.abs(np.sin(t / 6))  # jaw opens and closes
    exp[:, 20] = 0.5 * np.cos(t / 9)
    np.savez(work / "curves.npz", exp=exp, fps=np.float32(30), pose=np.zeros((90, 9), np.float32))
    np.savez(work / "wrong_dims.npz", exp=np.zeros((5, 32), np.float32))
    (work / "not_curves.txt").write_text("hello")
    with wave.open(str(work / "audio.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000 * 3, np.int16).tobytes())
    text = "Hola, me llamo Pablo y bebo mucho vino blanco."
    (work / "hola.txt").write_text(text, encoding="utf-8")
    spoken(work / "hola.wav", text, "es")


@pytest.fixture(scope="module", params=["5.0", "4.2"])
def blender_results(blender, request, tmp_path_factory):
    """The add-on in Blender 5.0 and 4.2 LTS, both as real bpy modules."""
    blender_python(request.param)
    work = tmp_path_factory.mktemp("blender")
    _write_inputs(work)
    return run_checks(request.param, "addon_checks.py", work, sys.executable), work


@pytest.mark.slow
def test_install_and_face(blender_results):
    r, _ = blender_results
    assert r["blender"].startswith(("5.0", "4.2"))
    assert r["install"] == "{'FINISHED'}" and r["registered"]
    assert r["add_face"] == "{'FINISHED'}"
    assert r["shape_keys"] == ["Basis", "exp00", "exp01", "exp63", 65]
    assert r["slider"] == [-10.0, 10.0] and r["vertices"] == 468
    assert 0.1 < r["dims_m"][0] < 0.25  # a human-sized face, in metres


@pytest.mark.slow
def test_generate_with_a_transcript_and_a_language_keys_in_sync_with_the_sound(blender_results):
    """Generate on Spanish speech with its transcript (Blender 5.0 and 4.2): keys and a sound strip at
    the start frame; a sync offset of 100 ms moves the keys 3 frames later; Arabic text for Japanese is
    one line and no action."""
    r, _ = blender_results
    assert r["generate_0"] == "{'FINISHED'}" and r["generate_100"] == "{'FINISHED'}", r
    assert r["generate_sound"] == ([["hola.wav", 1]] if r["audio_support"] else [])
    assert r["generate_moved"] < 1e-4 < r["generate_unmoved"]
    assert "Arabic script" in r["generate_wrong_script"] and r["generate_wrong_script_actions"] == 0


@pytest.mark.slow
def test_bad_input_reports_and_leaves_scene_unchanged(blender_results):
    r, _ = blender_results
    assert "no active mesh" in r["no_mesh"]
    assert "has no shape keys" in r["no_keys"]
    assert "(5, 32)" in r["wrong_dims.npz"] and "unsupported" in r["not_curves.txt"]
    assert "not found" in r["missing.npz"]
    assert r["actions_after_bad"] == 0


@pytest.mark.slow
def test_keyframes_equal_curves_and_survive_reload(blender_results):
    r, _ = blender_results
    assert r["import"] == "{'FINISHED'}"
    assert r["actions"] == ["StyleTalk", "StyleTalk.001"]  # never overwrites
    assert r["max_err"] < 1e-5 and r["max_err_reloaded"] < 1e-5
    assert r["frame_range"] == [10, 10 + round(89 * 24 / 30 + 0.5)]
    # the PyPI bpy 4.2.0 build has no audio: the import still succeeds, with a warning
    assert r["sound_strips"] == (2 if r["audio_support"] else 0) and r["action_reloaded"] == "StyleTalk.001"
    assert r["legacy_path"] == [['key_blocks["exp00"].value'], True]
    assert r["start_clamped"] == 0 and "Blender's frames are 0 to 1048574" in r["too_late"]
    assert r["too_late_changed"] == [0, False]
    assert r["not_audio"] == "{'FINISHED'}" and r["not_audio_strips_added"] == 0


@pytest.mark.slow
def test_exports_contain_the_animation(blender, blender_results):
    r, work = blender_results
    for fmt in ("csv", "json", "npy", "glb", "fbx"):
        assert r[f"export_{fmt}"] == "{'FINISHED'}"
    arr = np.load(work / "out.npy")
    assert arr.shape[1] == 73 and len(arr) >= 70
    doc = json.loads((work / "out.json").read_text())
    assert doc["fps"] == 30 and len(doc["exp"][0]) == 64
    glb = (work / "out.glb").read_bytes()
    length = struct.unpack("<I", glb[12:16])[0]
    gltf = json.loads(glb[20 : 20 + length])
    paths = {c["target"]["path"] for a in gltf.get("animations", []) for c in a["channels"]}
    assert "weights" in paths
    names = gltf["meshes"][0]["extras"]["targetNames"]  # signed keys as _pos/_neg pairs (weights within [0, 1])
    assert len(gltf["meshes"][0]["primitives"][0]["targets"]) == len(names) == 62 + 1 + 2
    assert "exp00_neg" in names and "exp00_pos" not in names and {"exp20_pos", "exp20_neg"} <= set(names)
    fbx = (work / "out.fbx").read_bytes()
    assert b"AnimationCurveNode" in fbx and b"DeformPercent" in fbx and b"exp00" in fbx


@pytest.mark.slow
def test_open_mouth_render_written(blender_results):
    r, work = blender_results
    assert r["render"] == "ok", r["render"]
    from PIL import Image

    img = np.asarray(Image.open(work / "open_mouth.png").convert("L"))
    assert img.shape == (512, 512) and img.std() > 5


@pytest.fixture(scope="module", params=["5.0", "4.2"])
def arkit_results(blender, shared, request, tmp_path_factory):
    """Apply to ARKit Character on ICT-FaceKit heads, in Blender 5.0 and 4.2 LTS."""
    from styletalk_core.cli import main

    from ..conftest import sample_files, shared_path

    blender_python(request.param)
    ict = shared_path("ict_facekit", "ict_facekit.npz")
    work = tmp_path_factory.mktemp("arkit")
    phon = work / "short_seq.json"  # 3 s of real labels: enough frames, a quick glTF export
    phon.write_text(json.dumps(json.loads(sample_files("source_video/phoneme", "*_seq.json")[0].read_text())[:90]))
    assert (
        main(
            [
                "generate",
                "--phonemes",
                str(phon),
                "--style",
                "preset:happy",
                "-o",
                str(work / "c.npz"),
                "--arkit",
                str(work / "weights.json"),
            ]
        )
        == 0
    )
    return run_checks(request.param, "arkit_checks.py", work, ict, work / "weights.json")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["ict", "live_link"])
def test_arkit_character_keyed_with_the_solved_weights(arkit_results, variant):
    r = arkit_results
    assert r[f"{variant}_match"] == "{'FINISHED'}" and r[f"{variant}_apply"] == "{'FINISHED'}"
    assert r[f"{variant}_generate_targets_it"]  # Generate keys such a character's ARKit keys directly
    assert r[f"{variant}_matched"] == 51  # every ARKit shape but tongueOut, which ICT does not have
    assert r[f"{variant}_brow"].count(",") == 1  # browInnerUp drives both of ICT's halves
    assert r[f"{variant}_max_err"] < 1e-5
    assert r[f"{variant}_targets"] == 53 and r[f"{variant}_weights_animated"]


@pytest.mark.slow
def test_arkit_bad_characters_are_reported_and_left_alone(arkit_results):
    r = arkit_results
    assert "of its 1 shape keys none has an ARKit name; the table is unchanged" in r["cube"]
    assert "no shape key is mapped" in r["cube_apply"] and r["cube_actions_added"] == 0
    assert r["cube_table_after_failed_match"] == 0  # a failed match writes no table
    assert "of its 3 shape keys only ambiguously" in r["only_duplicates"]
    assert r["spaced_match"] == r["spaced_apply"] == "{'FINISHED'}" and r["spaced_keyed"]
    assert "not an ARKit JSON" in r["bad_arkit_json"] or "52 ARKit names" in r["bad_arkit_json"]
    assert "'exp'" not in r["bad_arkit_json"] and r["bad_arkit_json_actions_added"] == 0
    assert r["duplicates_mapped"] == {"mouthSmileLeft": "mouthSmile_L"}  # jawOpen/JawOpen: ambiguous, left out
    assert r["face_with_arkit_keys"] == 1 + 64 + 52  # our face, optionally with ARKit keys for .glb/FBX


@pytest.mark.slow
@pytest.mark.timing
def test_generate_job_on_long_audio_cancels_within_two_seconds_leaving_no_process(shared, tmp_path):
    """Esc during Generate on 400 s of speech: the toolkit and its labelling workers are gone within 2 s."""
    from ..conftest import labelled_clips

    with wave.open(str(labelled_clips()[0][0])) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16)
    speech = tmp_path / "long.wav"
    with wave.open(str(speech), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.resize(pcm, 400 * rate).tobytes())
    job = jobs.GenerateJob(jobs.GenerateRequest(sys.executable, str(speech), ["preset:happy"], str(tmp_path / "o.npz")))
    deadline = time.monotonic() + 120
    while job.fraction < 0.08 and job.poll() is None and time.monotonic() < deadline:  # decoded: labelling begins
        time.sleep(0.05)
    time.sleep(1.5)  # the labelling workers are busy
    assert job.poll() is None, "the job ended before it could be cancelled"
    sid = job._proc.pid
    t0 = time.monotonic()
    job.cancel()
    stopped = time.monotonic() - t0
    assert stopped < 2.0 and job.poll() is not None, stopped
    assert hostile.session_processes(sid) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]


@pytest.mark.slow
@pytest.mark.parametrize("version", ["5.0", "4.2"])
def test_the_addon_runs_from_its_source_without_the_builder(blender, version, tmp_path):
    """Blender enables blender_addon/styletalk as it sits in the repository (its formats and face model
    are links into styletalk_core), registers every operator, and Add Face works."""
    argv = [
        blender_python(version),
        str(REPO / "tests" / "blender" / "source_checks.py"),
        str(REPO / "blender_addon" / "styletalk"),
        str(tmp_path),
    ]
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(tmp_path / "blender_user")}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(lines[0].removeprefix("RESULTS "))
    assert r["enabled"] and {"add_face", "generate", "transfer_keys", "place_landmarks"} <= set(r["operators"]), r
    assert r["add_face"] == "{'FINISHED'}" and r["face_keys"] == 64 + 1
    assert r["formats_from"] == str(REPO / "styletalk_core" / "formats")


class _WindowManager:
    """What a modal operator calls on Blender's window manager, recorded."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append(name)


@pytest.mark.timing
def test_esc_during_a_toolkit_job_stops_it_and_changes_nothing(tmp_path):
    """modal.ToolkitOperator, the base of Generate, Add StyleTalk Keys and Solve: a timer tick shows the
    job's progress, other events pass through, and Esc stops the toolkit's process at once, cleans up
    and reports that nothing was changed, without applying anything."""
    from types import SimpleNamespace

    from styletalk_addon.styletalk import modal

    script = "import time\nprint('progress 1 4', flush=True)\ntime.sleep(60)"

    class Probe(modal.ToolkitOperator):
        def __init__(self):
            self.reports, self.cleaned, self.finished = [], 0, []

        def start(self, context):
            return jobs.ToolkitJob([sys.executable, "-c", script], str(tmp_path / "out"), lambda p: None, "probe")

        def finish(self, context, status):
            self.finished.append(status)
            return True

        def cleanup(self):
            self.cleaned += 1

        def report(self, kind, text):
            self.reports.append((kind, text))

    settings = SimpleNamespace(running=False, progress=0.0)
    context = SimpleNamespace(
        scene=SimpleNamespace(styletalk=settings), window_manager=_WindowManager(), window=None, screen=None
    )
    probe = Probe()
    assert probe.invoke(context, None) == {"RUNNING_MODAL"} and settings.running
    deadline = time.monotonic() + 10
    while probe._job.fraction == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert probe.modal(context, SimpleNamespace(type="TIMER")) == {"RUNNING_MODAL"} and settings.progress == 0.25
    assert probe.modal(context, SimpleNamespace(type="MOUSEMOVE")) == {"PASS_THROUGH"}
    t0 = time.monotonic()
    assert probe.modal(context, SimpleNamespace(type="ESC")) == {"CANCELLED"}
    assert time.monotonic() - t0 < 2.5 and probe._job._proc.poll() is not None
    assert probe.cleaned == 1 and not probe.finished and probe.reports == [({"WARNING"}, modal.CANCELLED)]
    assert not settings.running and "progress_end" in context.window_manager.calls
