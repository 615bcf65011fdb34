"""Native libraries' own log lines are kept from the user (file descriptor 2 silenced, Python's stderr
restored), and a stop asked for while their code runs is not lost."""

import os
import subprocess
import sys

import pytest

from styletalk_core import native


def test_native_log_lines_are_silenced_and_stderr_comes_back():
    code = (
        "import os, sys\n"
        "from styletalk_core.native import native_logs_silenced\n"
        "with native_logs_silenced():\n"
        "    os.write(2, b'I0000 native INFO line\\n')\n"
        "print('ours', file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert proc.returncode == 0 and proc.stderr == "ours\n"


def test_a_stop_asked_for_inside_native_code_is_raised_after_it():
    native.clear_stop()
    native.raise_if_stopped()  # nothing asked: nothing raised
    native.request_stop()
    try:
        with pytest.raises(KeyboardInterrupt):
            native.raise_if_stopped()
    finally:
        native.clear_stop()
