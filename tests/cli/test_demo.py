"""`styletalk demo`: options that cannot work are one line before any step, and nothing is written."""

import pytest

from styletalk_core.cli import main


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--renderer", "x.pth"], "--renderer needs --image"),
        (["--image", "x.png"], "--image is used with --renderer"),
        (["--style", "preset:nope"], "no style preset 'nope' (available: angry,"),
        (["--style", "missing.mat"], "missing.mat"),
    ],
)
def test_options_that_cannot_work_are_one_line_before_any_step(options, says, tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), *options]) == 2
    captured = capsys.readouterr()
    assert says in captured.err and len(captured.err.strip().splitlines()) == 1 and captured.out == ""
    assert not out.exists()
