"""The add-on's guard: an operator's unforeseen error is one line with a log, and it cancels."""

import os
from pathlib import Path


def test_an_operators_unforeseen_error_is_one_line_with_a_log_and_cancels():
    from styletalk_addon.styletalk.guard import one_line_errors

    @one_line_errors
    class Operator:
        def __init__(self):
            self.reports = []

        def report(self, kind, message):
            self.reports.append((kind, message))

        def execute(self, context):
            return {"FINISHED"} if context == "fine" else {}["a bug\nover lines"]

        def invoke(self, context, event):
            raise MemoryError

    op = Operator()
    assert op.execute("fine") == {"FINISHED"} and op.reports == []
    assert op.execute(None) == {"CANCELLED"} and op.invoke(None, None) == {"CANCELLED"}
    (kind, message), (_, memory) = op.reports
    assert kind == {"ERROR"} and "\n" not in message
    assert message.startswith("StyleTalk: unexpected KeyError: 'a bug\\nover lines' (details: ")
    log = message.rsplit("(details: ", 1)[1].rstrip(")")
    assert "Traceback" in Path(log).read_text() and memory.startswith("StyleTalk: unexpected MemoryError")
    assert one_line_errors(Operator) is Operator and Operator.execute.styletalk_guarded  # wrapped once
    for line in (message, memory):
        os.unlink(line.rsplit("(details: ", 1)[1].rstrip(")"))
