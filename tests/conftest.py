"""Shared fixtures: paths into ../shared/reference (tests skip with a clear message if it is absent)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

from styletalk_core.cli import main
from styletalk_core.formats.labels import load_phoneme_labels
from styletalk_core.settings import MODEL_SYNC_MS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
PARITY = SHARED / "parity"
SAMPLES = SHARED / "official_samples" / "samples"
# --sync-offset that takes the model's sync calibration back: the network's own timing, official outputs
UNSYNC = repr(-MODEL_SYNC_MS)

# the toolkit's cache (converted renderers) goes to a folder of this run, never the user's ~/.cache
os.environ["STYLETALK_CACHE_DIR"] = CACHE = tempfile.mkdtemp(prefix="styletalk-test-cache-")
atexit.register(shutil.rmtree, CACHE, True)


def _native_bf16() -> bool:
    from styletalk_core.device import cpu_has_native_bf16

    return cpu_has_native_bf16()


# bf16 on a CPU without AVX512-BF16/AMX is emulated, over 100x slower: such tests would crawl, not fail
requires_native_bf16 = pytest.mark.skipif(
    not _native_bf16(), reason="this CPU has no native bf16 (AVX512-BF16/AMX): emulated bf16 is far too slow"
)


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data not found at {p} (expected ../shared beside the repository)")
    return p


def load_npz(*parts: str) -> dict:
    """Every array of an .npz under ../shared/reference, as a dict."""
    import numpy as np

    with np.load(shared_path(*parts)) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared/reference. A test or fixture that reads it asks for this fixture, which marks the test
    `reference` (pytest -m "not reference" runs without it); helpers skip when a file is absent."""
    return SHARED


@pytest.fixture(scope="session")
def blender() -> None:
    """Asked for by a test or fixture that runs real Blender (bpy 5.0 in this interpreter, the 4.2 LTS
    venv, or the toolkit's character I/O through them): marks the test `blender`."""


@pytest.fixture(scope="session")
def parity_case(shared):
    return load_npz("parity", "styletalk_case1.npz")


@pytest.fixture(scope="session")
def renderer_case(shared):
    """The official renderer's parity case (random weights): inputs, intermediates and frames."""
    return load_npz("parity", "renderer_case1.npz")


@pytest.fixture(scope="session")
def random_generator(shared):
    from styletalk_core.model.checkpoint import load_generator

    return load_generator(shared_path("parity", "styletalk_random_ckpt.pth"))


def sample_files(subdir: str, pattern: str) -> list[Path]:
    """Sorted sample files under official_samples/samples/SUBDIR (no clip is named in a test:
    the set of clips can change)."""
    files = sorted(shared_path("official_samples", "samples", subdir).glob(pattern))
    if not files:
        pytest.skip(f"no {pattern} under {SAMPLES / subdir}")
    return files


def labelled_clips() -> list[tuple[Path, Path]]:
    """(wav, official `_seq.json` labels) of every source clip that has both, sorted by name."""
    pairs = [(w, w.parents[1] / "phoneme" / f"{w.stem}_seq.json") for w in sample_files("source_video/wav", "*.wav")]
    pairs = [p for p in pairs if p[1].exists() and (p[0].parents[1] / "3DMM" / f"{p[0].stem}.mat").exists()]
    if not pairs:
        pytest.skip(f"no source clip with wav, labels and 3DMM under {SAMPLES / 'source_video'}")
    return pairs


def style_video_with_coefficients(seen_by_face_model: bool = False) -> tuple[Path, Path]:
    """The first style-clip video that has its official 3DMM .mat (and, if asked, that the embedded
    face model was built from, per its provenance)."""
    from styletalk_core.face.face_model import load_face_model

    seen = {c["name"] for c in load_face_model().provenance.get("clips", [])}
    for video in sample_files("style_clips/video", "*.mp4"):
        mat = video.parents[1] / "3DMM" / f"{video.stem}.mat"
        if mat.exists() and (video.stem in seen or not seen_by_face_model):
            return video, mat
    pytest.skip(f"no style video with a 3DMM .mat under {SAMPLES / 'style_clips'}")


def official_sample(relative: str) -> Path:
    """A path recorded in a parity fixture (relative to the official repository)."""
    return shared_path("official_samples", *Path(relative).parts)


@pytest.fixture(scope="session")
def installed(blender, tmp_path_factory):
    """A wheel of the project installed into a scratch venv that reuses this environment's packages
    (a .pth line) but not its editable install of the project, made once per test run: (venv, folder)."""
    pytest.importorskip("bpy", reason="bpy (Blender as a module) is not installed: the demo needs it")
    return once_per_run(tmp_path_factory, "wheel", _install_wheel) / "venv", tmp_path_factory.getbasetemp()


def _install_wheel(tmp: Path) -> None:
    import site
    import sys
    import sysconfig

    source = tmp / "source"  # a copy of the tracked files: the build writes build/ and *.egg-info beside them
    tracked = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp / "dist").glob("styletalk_toolkit-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    scratch = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_path("purelib") if sys.prefix != sys.base_prefix else site.getsitepackages()[0]
    (venv / scratch.split(str(venv) + "/", 1)[1] / "reuse.pth").write_text(ours + "\n")
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps", str(wheel)], check=True)


@pytest.fixture(scope="session")
def demo_out(blender, installed, tmp_path_factory):
    """The README's main command (its styletalk part), run once per test run as a user runs it: the
    installed wheel's `styletalk`, in a folder outside the checkout; the folder it wrote."""
    from .test_readme import readme_main_argv

    venv, _ = installed
    argv = readme_main_argv()
    assert argv[:1] == ["demo"]

    def run(out: Path) -> None:
        argv[argv.index("-o") + 1] = str(out)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        legacy = REPO / ".venv-bpy42" / "bin" / "python"  # not beside the wheel's venv: named, as a user would
        if legacy.is_file():
            env["STYLETALK_BLENDER42_PYTHON"] = str(legacy)
        proc = subprocess.run(
            [venv / "bin" / "styletalk", *argv], cwd=out.parent, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stderr[-2000:]

    return once_per_run(tmp_path_factory, "demo", run)


def once_per_run(tmp_path_factory, name: str, make) -> Path:
    """The folder `name` of this test run, filled by make(folder) once for the whole run: xdist's workers
    share the parent of their temporary folders, and the first to ask makes it while the others wait."""
    base = tmp_path_factory.getbasetemp()
    out = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    with FileLock(f"{out}.lock"):
        if not (out / ".made").exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            make(out)
            (out / ".made").touch()
    return out


# what a test needs is the fixture it asks for, directly or through its fixtures: its marker follows
MARKED_BY = {"blender": "blender", "shared": "reference"}
# the calls that show a need, in a test's or fixture's own source: one that makes them without asking
# for the fixture is refused at collection (so the markers cannot drift from what the tests do)
SIGNS = {
    # Blender directly, or through the toolkit's character I/O (a .glb/.fbx/.obj read or written)
    "blender": (
        "blender_python(",
        "run_checks(",
        "probe(",
        "played(",
        "import bpy",
        'importorskip("bpy"',
        "read_character(",
        "write_character(",
        "retarget_file(",
        "find_face(",
        ".glb",
        ".fbx",
        ".obj",
    ),
    "shared": (
        "shared_path(",
        "sample_files(",
        "labelled_clips(",
        "load_npz(",
        "style_video_with_coefficients(",
        "official_sample(",
        "load_ict(",
        "SHARED",
        "REF /",
    ),
}


def _undeclared(item) -> list[str]:
    """The fixtures of MARKED_BY a test's own source (or that of a fixture it uses) shows the need of,
    which it does not ask for, directly or through its fixtures."""
    import inspect

    asks = set(getattr(item, "fixturenames", ()))
    funcs = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        funcs += [d.func for d in defs if d.argname not in MARKED_BY]
    text = []
    for f in funcs:
        try:
            text.append(inspect.getsource(f))
        except (OSError, TypeError):
            pass
    text = "\n".join(text)
    return [name for name, signs in SIGNS.items() if name not in asks and any(s in text for s in signs)]


def pytest_collection_modifyitems(config, items):
    undeclared = []
    for item in items:
        for fixture, marker in MARKED_BY.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
        undeclared += [f"{item.nodeid}: ask for the {m!r} fixture" for m in _undeclared(item)]
    if undeclared:
        raise pytest.UsageError("tests that do not ask for what they need:\n" + "\n".join(sorted(set(undeclared))))


def spoken(path: Path, text: str, voice: str = "en-us") -> Path:
    """`text` spoken by Debian's espeak-ng into a wav (22.05 kHz, exact digital silence around and
    between phrases, as TTS temp dialogue has); the test skips when espeak-ng is not installed."""
    program = shutil.which("espeak-ng")
    if program is None:
        pytest.skip("espeak-ng is not installed (scripts/setup.sh installs it)")
    subprocess.run([program, "-v", voice, "-b", "1", "-w", str(path), "--stdin"], input=text.encode(), check=True)
    return path


def pytest_configure(config):
    """Under xdist each worker (and what it starts) gets one CPU thread: the README runs as many workers
    as CI has cores, and torch's OpenMP pools of two threads per worker, spinning against each other,
    made the run 420 s instead of 332 s on 2 cores (tests/training alone: 96 s, 68 s). The timing tests run without
    workers, with every thread."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)


@pytest.fixture()
def good(shared, tmp_path):
    """A good `generate` call's inputs (labels, a style clip, the random-weight checkpoint, an output path):
    each test of a refusal breaks one of them."""
    phon = tmp_path / "ok_seq.json"
    phon.write_text(json.dumps([31, 31, 2, 2, 21, 21, 31]))
    return {
        "phon": phon,
        "style": shared_path("parity", "styletalk_case1_style.mat"),
        "ckpt": shared_path("parity", "styletalk_random_ckpt.pth"),
        "out": tmp_path / "out.npz",
    }


def run_generate(capsys, phon, style, ckpt, out, *extra):
    argv = ["generate", "--phonemes", str(phon), "--style", str(style), "--checkpoint", str(ckpt), "-o", str(out)]
    rc = main(argv + list(extra))
    err = capsys.readouterr().err.strip()
    return rc, err


def assert_clean_failure(rc, err, out, *needles):
    assert rc != 0
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(out.parent.glob(".*.tmp*")), "temporary file left behind"


@pytest.fixture(scope="module")
def clip(shared):
    """The first official sample with labels: its wav and its (T,) phoneme ids."""
    wav, labels = labelled_clips()[0]
    return wav, load_phoneme_labels(labels)
