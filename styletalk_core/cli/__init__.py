"""The `styletalk` command line: a thin layer over the library functions. Each command is one module
here holding its options (`add`) next to its handler (`run`); each option's default comes from the
settings dataclasses (`settings.py`, `training/config.py`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from ..formats.errors import StyleTalkError, traceback_log
from ..native import clear_stop, request_stop
from ..threads import thread_budget
from . import batch, demo, evaluate, export, extract_style, generate, phonemes, preview, render, retarget, train
from .common import common_parents, one_line

# in the order `styletalk --help` lists them
COMMANDS = (demo, generate, phonemes, extract_style, export, render, preview, retarget, batch, evaluate, train)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styletalk",
        description="Speech + a speaking-style clip -> stylised 3DMM facial expression curves (StyleTalk).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_parents()
    for command in COMMANDS:
        command.add(sub, common)
    for command in sub.choices.values():  # every command: one CPU budget for torch and process pools
        command.add_argument("--threads", type=int, help="CPU threads to use (default: OMP_NUM_THREADS, else all CPUs)")
    return parser


RESIGNAL_S = 0.05  # a stop that came during an import is signalled again this much later


def _importing(frame) -> bool:
    """Whether the interrupted code runs inside an import (a module's top-level code, under importlib)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _terminate(signum, frame) -> None:
    """SIGTERM (the add-on's cancel) unwinds like Ctrl-C, so temporary files are removed; the stop is
    also recorded, for native code that swallows the interrupt (native.raise_if_stopped). Not inside
    an import: an exception there can reach a native extension half set up (torch's import calls back
    into Python through pybind11, which aborts the process on it), so the signal comes again a moment
    later, until the import is done."""
    request_stop()
    if _importing(frame):
        again = threading.Timer(RESIGNAL_S, _signal_again, (signum,))
        again.daemon = True
        again.start()
        return
    raise KeyboardInterrupt


def _signal_again(signum: int) -> None:
    if signal.getsignal(signum) is _terminate:  # the command still runs (not unwound by another way)
        os.kill(os.getpid(), signum)


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLineFormatter(f"styletalk {args.command}: warning: %(message)s"))
    logging.basicConfig(handlers=[handler], level=logging.WARNING)
    clear_stop()
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with thread_budget(getattr(args, "threads", None)):
            code = args.func(args)
    except StyleTalkError as exc:
        print(f"styletalk {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"styletalk {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # no check foresaw it: still one line, the traceback in a log file
        where = traceback_log(exc, args.command, f"styletalk {args.command} (argv {sys.argv!r})\n")
        reason = one_line(f"{type(exc).__name__}: {exc}")[:400]
        print(f"styletalk {args.command}: error: unexpected {reason} (details: {where})", file=sys.stderr)
        return 1
    finally:
        for sig, handler_before in previous.items():
            signal.signal(sig, handler_before)
    return code or 0
