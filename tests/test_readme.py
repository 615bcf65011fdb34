"""The README's two commands: the main job (`styletalk demo`, tested in test_demo.py) and the tests,
which .ci/run must call."""

import re
import shlex

import pytest

from .conftest import REPO

SETUP = "bash scripts/setup.sh && "


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)[:2]


def readme_main_argv() -> list[str]:
    main_cmd = readme_commands()[0]
    argv = shlex.split(main_cmd.removeprefix(SETUP))
    assert argv[0] == ".venv/bin/styletalk"
    return argv[1:]


def test_readme_opens_with_two_commands_and_ci_calls_the_test_one():
    main_cmd, test_cmd = readme_commands()
    assert main_cmd.startswith(SETUP) and test_cmd.startswith(SETUP)
    assert readme_main_argv()[0] == "demo"
    ci = (REPO / ".ci" / "run").read_text()
    assert test_cmd in ci


def readme_styletalk_commands() -> list[list[str]]:
    text = (REPO / "README.md").read_text()
    cmds = []
    for block in re.findall(r"```bash\n(.*?)\n```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#")[0].strip().removeprefix(SETUP)
            if line.startswith(".venv/bin/styletalk "):
                cmds.append(shlex.split(line)[1:])
    return cmds


def test_every_readme_styletalk_command_parses():
    """Each documented command line is valid for the real parser (options, choices, required args)."""
    from styletalk_core.cli import build_parser

    cmds = readme_styletalk_commands()
    assert {c[0] for c in cmds} >= {
        "demo",
        "phonemes",
        "generate",
        "preview",
        "extract-style",
        "export",
        "render",
        "train",
    }
    for argv in cmds:
        build_parser().parse_args(argv)


@pytest.mark.slow
def test_readme_own_audio_commands_run(shared, tmp_path, monkeypatch):
    """The 'Your own audio' lines, on a sample wav: phonemes with a transcript, generate with a preset,
    preview with audio."""
    from styletalk_core.cli import main

    from .conftest import labelled_clips

    wav = labelled_clips()[0][0]
    monkeypatch.chdir(tmp_path)
    assert main(["phonemes", str(wav), "--transcript", "we are here today", "-o", "my_seq.json"]) == 0
    assert main(["generate", "--phonemes", "my_seq.json", "--style", "preset:sad", "-o", "my_curves.npz"]) == 0
    assert main(["preview", "--curves", "my_curves.npz", "--audio", str(wav), "--size", "128", "-o", "p.mp4"]) == 0
