"""The batch's local worker processes: each holds one work unit at a time, so a worker that dies (the
memory killer, a SIGKILL) fails only the takes of the unit it held, with the reason, and a new worker
takes its place; the rest of the batch goes on. None outlives the batch, however it ends."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait

from ..formats.errors import OutputError
from ..native import raise_if_stopped
from .work import Job, Result, one_thread, run_unit

START_TRIES = 3
STOP_WAIT_S = 1.0  # a stopped worker gets this long to end before it is killed


def _serve(conn: Connection, parent: int) -> None:
    """A worker: work units in, their results out, until the driver closes the pipe."""
    from ..children import die_with_parent

    die_with_parent(parent)
    one_thread()
    while True:
        try:
            unit = conn.recv()
        except (EOFError, OSError):
            return
        try:
            results = run_unit(unit)
        except Exception as exc:  # noqa: BLE001 (a bug no check foresaw: the unit's takes fail with it)
            results = [Result(job.id, None, f"unexpected {type(exc).__name__}: {exc}") for job in unit]
        conn.send(results)


def _death(process) -> str:
    process.join(STOP_WAIT_S)
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"ended with exit status {code}"


class Workers:
    """`count` spawned worker processes running work units, results as they finish."""

    def __init__(self, count: int):
        self.context = multiprocessing.get_context("spawn")
        self.count = count
        self.idle: list = []
        self.busy: dict = {}  # connection -> (process, unit)

    def _start(self) -> None:
        for _ in range(START_TRIES):
            ours, theirs = self.context.Pipe()
            process = self.context.Process(target=_serve, args=(theirs, os.getpid()), daemon=True)
            try:
                process.start()
            except OSError:  # killed while it was being started (its set-up pipe broke): another one
                ours.close()
                continue
            finally:
                theirs.close()
            self.idle.append((ours, process))
            return
        raise OutputError(f"cannot start a worker process ({START_TRIES} tries ended at once)")

    def run(self, units: list[tuple[Job, ...]], on_result: Callable[[Result], None]) -> None:
        queue = deque(units)
        for _ in range(min(self.count, len(units))):
            self._start()
        while queue or self.busy:
            while queue and self.idle:
                conn, process = self.idle.pop()
                unit = queue.popleft()
                conn.send(unit)
                self.busy[conn] = (process, unit)
            ready = wait([*self.busy, *(p.sentinel for p, _ in self.busy.values())], timeout=0.5)
            for conn in [c for c, (p, _) in self.busy.items() if c in ready or p.sentinel in ready]:
                self._collect(conn, on_result, more=bool(queue))
            raise_if_stopped()

    def _collect(self, conn: Connection, on_result: Callable[[Result], None], more: bool) -> None:
        process, unit = self.busy.pop(conn)
        try:
            results = conn.recv()
        except (EOFError, OSError):  # the worker died holding this unit
            reason = f"the worker process making it was {_death(process)}; run the batch again to redo it"
            results = [Result(job.id, None, reason) for job in unit]
            conn.close()
            if more:
                self._start()
        else:
            self.idle.append((conn, process))
        for result in results:
            on_result(result)

    def close(self) -> None:
        """End every worker now (after the last unit, a stop, or an error)."""
        everyone = self.idle + [(c, p) for c, (p, _) in self.busy.items()]
        for conn, process in everyone:
            conn.close()
            if process.is_alive() and (conn, process) not in self.idle:
                process.terminate()
        for _, process in everyone:
            process.join(STOP_WAIT_S)
            if process.is_alive():
                process.kill()
                process.join()
        self.idle, self.busy = [], {}
