"""What every command shares: progress as a bar, as lines for front ends or not at all, and messages
kept on one line whatever the file names in them hold."""

import argparse

from styletalk_core.cli.common import one_line, progress_for, progress_lines


def test_progress_lines_say_each_new_value_once(capsys):
    update = progress_lines()
    for done in (0, 0, 500, 500, 1000):
        update(done, 1000)
    assert capsys.readouterr().out.splitlines() == ["progress 0 1000", "progress 500 1000", "progress 1000 1000"]


def test_the_progress_option_picks_the_form(capsys):
    assert progress_for(argparse.Namespace(progress="none"), "labels") is None
    progress_for(argparse.Namespace(progress="lines"), "labels")(3, 4)
    assert capsys.readouterr().out == "progress 3 4\n"
    bar = progress_for(argparse.Namespace(), "labels")  # the default: a bar, quiet when not on a terminal
    bar(1, 2)
    bar(2, 2)
    assert capsys.readouterr().out == ""


def test_file_names_with_line_breaks_stay_on_one_line():
    assert one_line("take\n2.wav: bad\r") == "take\\n2.wav: bad\\r"
