"""The README's two commands: the main job (`styletalk demo`, tested in test_demo.py) and the tests,
which .ci/run must call."""

import re
import shlex

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
