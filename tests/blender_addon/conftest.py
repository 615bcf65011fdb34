"""The add-on tests' shared Blender runs: the add-on's checks and its ARKit checks, each run once per test run in
Blender 5.0 and in 4.2 LTS, their results read by each module's test file."""

import json
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from ..blender_scene import blender_python, run_checks
from ..conftest import REPO, once_per_run, sample_files, shared_path, spoken
from ..ict_characters import identity, load_ict


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


def _checked_once(tmp_path_factory, name: str, make) -> tuple[dict, Path]:
    """The results of a Blender run made once per test run in folder `name` (make(work) -> results),
    and that folder."""

    def run(work: Path) -> None:
        (work / "results.json").write_text(json.dumps(make(work)))

    work = once_per_run(tmp_path_factory, name, run)
    return json.loads((work / "results.json").read_text()), work


@pytest.fixture(scope="session", params=["5.0", "4.2"])
def blender_results(blender, request, tmp_path_factory):
    """The add-on in Blender 5.0 and 4.2 LTS, both as real bpy modules."""
    version = request.param
    blender_python(version)  # skips where that Blender is not installed

    def make(work: Path) -> dict:
        _write_inputs(work)
        return run_checks(version, "addon_checks.py", work, sys.executable)

    return _checked_once(tmp_path_factory, f"addon_{version}", make)


@pytest.fixture(scope="session", params=["5.0", "4.2"])
def arkit_results(blender, shared, request, tmp_path_factory):
    """Apply to ARKit Character on ICT-FaceKit heads, in Blender 5.0 and 4.2 LTS."""
    from styletalk_core.cli import main

    version = request.param
    blender_python(version)  # skips where that Blender is not installed
    ict = shared_path("ict_facekit", "ict_facekit.npz")

    def make(work: Path) -> dict:
        phon = work / "short_seq.json"  # 3 s of real labels: enough frames, a quick glTF export
        labels = json.loads(sample_files("source_video/phoneme", "*_seq.json")[0].read_text())[:90]
        phon.write_text(json.dumps(labels))
        argv = ["generate", "--phonemes", str(phon), "--style", "preset:happy", "-o", str(work / "c.npz")]
        assert main([*argv, "--arkit", str(work / "weights.json")]) == 0
        return run_checks(version, "arkit_checks.py", work, ict, work / "weights.json")

    return _checked_once(tmp_path_factory, f"arkit_{version}", make)


def _from_blender(d):
    """Blender's axes and metres -> ICT's (face towards +Z, Y up) and centimetres."""
    return 100 * np.stack([d[..., 0], d[..., 2], -d[..., 1]], -1)


@pytest.fixture(scope="session", params=["5.0", "4.2"])
def character_results(blender, shared, request, tmp_path_factory):
    """Any Character on ICT-FaceKit identities with no keys of their own (transfer), with ICT's keys
    under arbitrary names (solve) and upside down (no face): (results, folder, ICT, the identities,
    the curves' expression)."""
    from styletalk_core.cli import main

    version = request.param
    blender_python(version)
    shared_path("ict_facekit", "ict_facekit.npz")
    ict = load_ict()

    def make(work: Path) -> dict:
        rng = np.random.default_rng(11)
        chars = {"transfer": identity(ict, 2.0, rng), "solve": identity(ict, 1.0, rng)}
        chars["turned"] = ict["neutral"] * [-1, -1, 1]  # upside down: no face along any of the usual axes
        np.savez(
            work / "chars.npz",
            faces=ict["faces"],
            expression_deltas=ict["expression_deltas"],
            landmarks=ict["landmarks_multipie68"],
            **chars,
        )
        curves = work / "demo.npz"  # the demo's curves: the bundled example's labels, a preset style
        labels = REPO / "styletalk_core" / "data" / "examples" / "hello_seq.json"
        assert main(["generate", "--phonemes", str(labels), "--style", "preset:happy", "-o", str(curves)]) == 0
        full = "full" if version == "5.0" else "short"
        return run_checks(version, "character_checks.py", work, work / "chars.npz", curves, sys.executable, full)

    r, work = _checked_once(tmp_path_factory, f"character_{version}", make)
    with np.load(work / "chars.npz") as z:
        chars = {name: z[name] for name in ("transfer", "solve", "turned")}
    return r, work, ict, chars, np.load(work / "demo.npz")["exp"]


@pytest.fixture(scope="session", params=["5.0", "4.2"])
def real_characters(blender, shared, request, tmp_path_factory):
    """Any Character on real third-party files: a full body, a stylised robot with placed landmarks,
    and ICT's head in parts."""
    version = request.param
    blender_python(version)
    body, robot = shared_path("characters", "makehuman_body_expr.glb"), shared_path("characters", "RobotExpressive.glb")
    marks = REPO / "benchmarks" / "landmarks" / "RobotExpressive.json"
    ict = shared_path("ict_facekit", "ict_facekit.npz")

    def make(work: Path) -> dict:
        return run_checks(version, "any_character_checks.py", work, body, robot, marks, sys.executable, ict)

    return _checked_once(tmp_path_factory, f"any_character_{version}", make)[0]
