"""Every operator's failure reaches the user as one line: an exception no check foresaw is reported
in one line naming its type and message, with the traceback in a log file, and the operator is
cancelled, instead of Blender's Python traceback."""

from __future__ import annotations

import functools

from .formats.errors import traceback_log

GUARDED = ("execute", "invoke")  # a modal step cleans up after itself (modal.py)


def unexpected_line(exc: BaseException) -> str:
    """One line for `exc`, its traceback written to a new log file in the temporary directory."""
    where = traceback_log(exc, "blender")
    message = " ".join(str(exc).split())[:300]
    return f"StyleTalk: unexpected {type(exc).__name__}: {message} (details: {where})"


def _guarded(method, name: str):
    # Blender counts the arguments of execute (self, context) and invoke (self, context, event)
    def call(self, *args):
        try:
            return method(self, *args)
        except Exception as exc:  # noqa: BLE001 (the point: nothing escapes as a traceback)
            self.report({"ERROR"}, unexpected_line(exc))
            return {"CANCELLED"}

    if name == "invoke":

        def run(self, context, event):
            return call(self, context, event)
    else:

        def run(self, context):
            return call(self, context)

    return functools.wraps(method)(run)


def one_line_errors(cls: type) -> type:
    """`cls` (an operator class) with its execute and invoke guarded, its own or inherited (a shared
    base's, e.g. Add Face Mask's); other classes as they are."""
    for name in GUARDED:
        method = getattr(cls, name, None)
        if method is not None and not getattr(method, "styletalk_guarded", False):
            guarded = _guarded(method, name)
            guarded.styletalk_guarded = True
            setattr(cls, name, guarded)
    return cls
