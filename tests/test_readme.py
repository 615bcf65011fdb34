"""The README's two commands: the main job runs on the bundled default; CI runs the test command."""

import re
import shlex

import numpy as np

from styletalk_core.cli import main
from styletalk_core.curves import load_curves
from styletalk_core.labels import load_phoneme_labels

from .conftest import REPO

SETUP = "bash scripts/setup.sh && "


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)[:2]


def test_readme_opens_with_two_commands_and_ci_calls_the_test_one():
    main_cmd, test_cmd = readme_commands()
    assert main_cmd.startswith(SETUP) and test_cmd.startswith(SETUP)
    ci = (REPO / ".ci" / "run").read_text()
    assert test_cmd in ci


def test_readme_main_command_runs_on_the_default_model(tmp_path, monkeypatch):
    main_cmd, _ = readme_commands()
    argv = shlex.split(main_cmd.removeprefix(SETUP))
    assert argv[0] == ".venv/bin/styletalk"
    argv = argv[1:]
    out = tmp_path / "curves.npz"
    argv[argv.index("-o") + 1] = str(out)
    monkeypatch.chdir(REPO)
    assert main(argv) == 0
    curves = load_curves(out)
    ids = load_phoneme_labels(REPO / "examples" / "hello_seq.json")
    assert curves.frames == len(ids) and np.isfinite(curves.exp).all()
    assert curves.meta["model"] == "default.pth"
    # the mouth moves during speech and rests in silence more than while talking
    mouth = curves.exp[:, [0, 1, 2]]
    speech = ids != 31
    assert mouth[speech].std(0).mean() > 0.05
