"""The one way an operator runs the toolkit in the background: it starts a jobs.ToolkitJob, shows its
progress (the window's progress bar and the panel's), and on Esc stops it, leaving the scene as it was;
run from a script (execute) it waits instead. Generate, Add StyleTalk Keys and Solve use it."""

from __future__ import annotations

from . import jobs

CANCELLED = "cancelled: nothing was changed"


class ToolkitOperator:
    """Mixin for a bpy Operator: `start` the job (or report why not and return None), `finish` with the
    job's status ("ok" or its error line; report and return True when applied), `cleanup` always."""

    _job: jobs.ToolkitJob | None = None
    _timer = None

    def start(self, context) -> jobs.ToolkitJob | None:
        raise NotImplementedError

    def finish(self, context, status: str) -> bool:
        raise NotImplementedError

    def cleanup(self) -> None:
        """Temporary files of this run; after a finish and after a cancel."""

    def _end(self, context, status: str) -> set[str]:
        try:
            return {"FINISHED"} if self.finish(context, status) else {"CANCELLED"}
        finally:
            self.cleanup()

    def execute(self, context):
        self._job = self.start(context)
        return self._end(context, self._job.wait()) if self._job is not None else {"CANCELLED"}

    def invoke(self, context, event):
        self._job = self.start(context)
        if self._job is None:
            return {"CANCELLED"}
        context.scene.styletalk.running, context.scene.styletalk.progress = True, 0.0
        context.window_manager.progress_begin(0, 100)
        self._timer = context.window_manager.event_timer_add(0.1, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def _stop_showing(self, context) -> None:
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.scene.styletalk.running = False

    def modal(self, context, event):
        if event.type == "ESC":  # stop the toolkit and its workers (jobs.ToolkitJob.cancel); change nothing
            self._job.cancel()
            self._stop_showing(context)
            self.cleanup()
            self.report({"WARNING"}, CANCELLED)
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        context.scene.styletalk.progress = self._job.fraction
        context.window_manager.progress_update(int(100 * self._job.fraction))
        for area in context.screen.areas if context.screen else []:
            area.tag_redraw()
        status = self._job.poll()
        if status is None:
            return {"RUNNING_MODAL"}
        self._stop_showing(context)
        return self._end(context, status)
