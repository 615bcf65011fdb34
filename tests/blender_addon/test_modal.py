"""The toolkit's jobs as modal operators: a timer tick shows progress, other events pass through, and Esc stops
the toolkit's process at once and changes nothing."""

import sys
import time

import pytest
from styletalk_addon.styletalk import jobs  # the add-on's pure modules, from its source: no bpy import


class _WindowManager:
    """What a modal operator calls on Blender's window manager, recorded."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.append(name)


@pytest.mark.timing
def test_esc_during_a_toolkit_job_stops_it_and_changes_nothing(tmp_path):
    """modal.ToolkitOperator, the base of Generate, Add StyleTalk Keys and Solve: a timer tick shows the
    job's progress, other events pass through, and Esc stops the toolkit's process at once, cleans up
    and reports that nothing was changed, without applying anything."""
    from types import SimpleNamespace

    from styletalk_addon.styletalk import modal

    script = "import time\nprint('progress 1 4', flush=True)\ntime.sleep(60)"

    class Probe(modal.ToolkitOperator):
        def __init__(self):
            self.reports, self.cleaned, self.finished = [], 0, []

        def start(self, context):
            return jobs.ToolkitJob([sys.executable, "-c", script], str(tmp_path / "out"), lambda p: None, "probe")

        def finish(self, context, status):
            self.finished.append(status)
            return True

        def cleanup(self):
            self.cleaned += 1

        def report(self, kind, text):
            self.reports.append((kind, text))

    settings = SimpleNamespace(running=False, progress=0.0)
    context = SimpleNamespace(
        scene=SimpleNamespace(styletalk=settings), window_manager=_WindowManager(), window=None, screen=None
    )
    probe = Probe()
    assert probe.invoke(context, None) == {"RUNNING_MODAL"} and settings.running
    deadline = time.monotonic() + 10
    while probe._job.fraction == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert probe.modal(context, SimpleNamespace(type="TIMER")) == {"RUNNING_MODAL"} and settings.progress == 0.25
    assert probe.modal(context, SimpleNamespace(type="MOUSEMOVE")) == {"PASS_THROUGH"}
    t0 = time.monotonic()
    assert probe.modal(context, SimpleNamespace(type="ESC")) == {"CANCELLED"}
    assert time.monotonic() - t0 < 2.5 and probe._job._proc.poll() is not None
    assert probe.cleaned == 1 and not probe.finished and probe.reports == [({"WARNING"}, modal.CANCELLED)]
    assert not settings.running and "progress_end" in context.window_manager.calls
