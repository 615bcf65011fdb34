"""The CLI's stop (SIGTERM, Ctrl-C): unwinds like Ctrl-C where Python code runs, but never inside an
import, where the exception can reach a native extension half set up (torch's import calls back into
Python through pybind11, which aborts the process on it: seen as SIGABRT under load, a batch stopped
1 s in). There the stop is recorded and the signal comes again once the import is done."""

import importlib.util
import signal
import sys
import threading
import time

import pytest

from styletalk_core import native
from styletalk_core.cli import _importing, _terminate


def _frame_inside_an_import(tmp_path):
    """A real frame of a module's top-level code, run by importlib."""
    (tmp_path / "caught_mid_import.py").write_text("import sys\nFRAME = sys._getframe()\n")
    spec = importlib.util.spec_from_file_location("caught_mid_import", tmp_path / "caught_mid_import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FRAME


def test_a_stop_inside_an_import_is_signalled_again_not_raised(tmp_path, monkeypatch):
    frame = _frame_inside_an_import(tmp_path)
    assert _importing(frame) and not _importing(sys._getframe())
    sent, stopped = [], threading.Event()
    monkeypatch.setattr("styletalk_core.cli.os.kill", lambda pid, sig: (sent.append(sig), stopped.set()))
    previous = signal.signal(signal.SIGTERM, _terminate)
    native.clear_stop()
    try:
        try:
            _terminate(signal.SIGTERM, frame)
        except KeyboardInterrupt:
            pytest.fail("the stop was raised inside an import")
        assert stopped.wait(2.0) and sent == [signal.SIGTERM]
        with pytest.raises(KeyboardInterrupt):
            native.raise_if_stopped()  # the stop is recorded meanwhile
        with pytest.raises(KeyboardInterrupt):
            _terminate(signal.SIGTERM, sys._getframe())  # outside an import: unwinds at once
    finally:
        signal.signal(signal.SIGTERM, previous)
        native.clear_stop()


def test_no_signal_again_once_the_command_has_ended(tmp_path, monkeypatch):
    sent = []
    monkeypatch.setattr("styletalk_core.cli.os.kill", lambda pid, sig: sent.append(sig))
    _terminate(signal.SIGTERM, _frame_inside_an_import(tmp_path))  # the CLI's handler is not installed
    time.sleep(0.3)
    native.clear_stop()
    assert sent == []
