"""The error types every layer raises, and the log an unforeseen error's one line points to."""

import os

from styletalk_core.formats.errors import (
    CheckpointError,
    InputError,
    MissingDependencyError,
    OutputError,
    StyleTalkError,
    traceback_log,
)


def test_every_user_facing_error_is_a_styletalk_error():
    for kind in (InputError, OutputError, CheckpointError, MissingDependencyError):
        assert issubclass(kind, StyleTalkError)
    assert not issubclass(StyleTalkError, ValueError | OSError)  # nothing else catches ours by accident


def test_an_unforeseen_error_leaves_its_traceback_in_a_log(monkeypatch, tmp_path):
    try:
        {}["missing"]
    except KeyError as exc:
        path = traceback_log(exc, "test", "styletalk 0.1\n")
    text = open(path).read()
    os.unlink(path)
    assert text.startswith("styletalk 0.1\nTraceback") and "KeyError: 'missing'" in text
    assert "styletalk-test-error-" in path
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "gone"))
    assert traceback_log(ValueError("x"), "test") == "no log: the temporary directory cannot be written"
