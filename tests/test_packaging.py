"""The package works when pip-installed (not only from a checkout), and missing extras say what to install."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from styletalk_core.cli import main

from .conftest import REPO


@pytest.mark.slow
def test_wheel_demo_runs_outside_the_checkout(installed, demo_out):
    """The README's demo, run from the installed wheel in a folder outside the checkout (demo_out, which
    the other tests of its files read), imports nothing from the checkout and writes every file."""
    venv, _ = installed
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import styletalk_core, styletalk_addon; print(styletalk_core.__file__, styletalk_addon.__file__)",
        ],
        cwd=demo_out.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO) not in where and str(venv) in where
    made = {p.name for p in demo_out.iterdir() if not p.name.startswith(".")}
    legacy = {"demo_blender42.blend"} if (REPO / ".venv-bpy42").is_dir() else set()
    assert made == {"demo_curves.npz", "demo_curves.png", "demo_preview.mp4", "demo.blend", "demo.glb"} | legacy
    meta = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            f"import styletalk_core as st; print(st.load_curves({str(demo_out / 'demo_curves.npz')!r}).meta['model'])",
        ],
        cwd=demo_out.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert meta.stdout.strip() == "default.pth"


@pytest.mark.slow
def test_every_subcommand_help_runs_from_the_wheel(installed):
    venv, tmp = installed
    from styletalk_core.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        proc = subprocess.run([venv / "bin" / "styletalk", name, "--help"], cwd=tmp, capture_output=True, text=True)
        assert proc.returncode == 0 and "usage: styletalk" in proc.stdout, (name, proc.stderr[-500:])


@pytest.mark.parametrize(
    ("module", "extra", "argv"),
    [
        ("pocketsphinx", "audio", ["phonemes", "{wav}", "-o", "{tmp}/p_seq.json"]),
        ("av", "audio", ["phonemes", "{wav}", "-o", "{tmp}/p_seq.json"]),
        ("pyrender", "preview", ["preview", "--curves", "{curves}", "--size", "64", "-o", "{tmp}/p.mp4"]),
        ("mediapipe", "video", ["extract-style", "{video}", "-o", "{tmp}/s.mat"]),
        (
            "openvino",
            "cpu",
            [
                "render",
                "--curves",
                "{curves}",
                "--still-pose",
                "--image",
                "{image}",
                "--renderer",
                "{renderer}",
                "--engine",
                "openvino",
                "-o",
                "{tmp}/r.mp4",
            ],
        ),
    ],
)
def test_missing_extra_is_one_line_naming_it(shared, module, extra, argv, tmp_path, monkeypatch, capsys):
    import numpy as np

    from .conftest import labelled_clips, sample_files, shared_path

    wav = labelled_clips()[0][0]
    video = sample_files("style_clips/video", "*.mp4")[0]
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=np.zeros((3, 64), np.float32))
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import now fails as if it were not installed
    image = tmp_path / "face.png"
    image.write_bytes(b"not read: the missing engine is reported first")
    renderer = shared_path("parity", "renderer_random_ckpt.pth")
    fill = {"wav": wav, "tmp": tmp_path, "curves": curves, "video": video, "image": image, "renderer": renderer}
    assert main([a.format(**fill) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"styletalk-toolkit[{extra}]" in err[0], err
    assert not [p for p in tmp_path.iterdir() if p.name not in ("c.npz", "face.png")]


def test_the_package_list_is_the_tree():
    """pyproject lists its packages (the renderer and the add-on install under the toolkit's name through
    package-dir): every folder with an __init__.py is listed, but the add-on's link to formats/."""
    import tomllib

    setup = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {name: Path(folder) for name, folder in setup["package-dir"].items()} | {
        "styletalk_core": Path("styletalk_core")
    }
    tree = set()
    for name, folder in folders.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            if not any(p.is_symlink() for p in [init.parent, *init.parent.parents] if p.is_relative_to(REPO)):
                tree.add(".".join([name, *rel.parts]))
    assert set(setup["packages"]) == tree


def test_metadata_declares_ranges_and_extras():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not any("==" in d for d in project["dependencies"])
    assert {"audio", "video", "preview", "blender", "all"} <= set(project["optional-dependencies"])
    (everything,) = project["optional-dependencies"]["all"]
    assert set(everything.split("[")[1].rstrip("]").split(",")) == set(project["optional-dependencies"]) - {"all"}
