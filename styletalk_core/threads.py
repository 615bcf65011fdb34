"""Threads: how many CPU threads the toolkit's work may use: `--threads`, else OMP_NUM_THREADS, else the
CPUs this process may run on. One number for torch's intra-op pool and for process pools (the
phoneme labeller's segments), so nothing oversubscribes a 2-core machine; and `prefetch`, a
producer on a worker thread; `end_pool`, a process pool stopped at once."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from queue import Full, Queue
from typing import TypeVar

from .formats.errors import InputError

T = TypeVar("T")


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_threads() -> int:
    """The thread budget: OMP_NUM_THREADS when set (a positive integer), else the CPUs available."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return min(int(value), available_cpus())
    return available_cpus()


@contextlib.contextmanager
def thread_budget(n: int | None) -> Iterator[int]:
    """set_cpu_threads(n) for the block, then OMP_NUM_THREADS and torch's pool as they were: a command
    run inside another program (a test, a host application) leaves its budget behind otherwise."""
    env = os.environ.get("OMP_NUM_THREADS")
    try:
        yield set_cpu_threads(n)
    finally:
        if env is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = env
        set_cpu_threads(None)


def set_cpu_threads(n: int | None) -> int:
    """Apply `--threads` (None: keep the environment's): OMP_NUM_THREADS for torch (read when it is
    imported) and for child processes, torch's pool when torch is already imported."""
    if n is not None:
        if n < 1:
            raise InputError(f"--threads must be at least 1, got {n}")
        os.environ["OMP_NUM_THREADS"] = str(n)
    threads = cpu_threads()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Produce `items` in a worker thread, `depth` ahead, so producing overlaps with consuming (the
    renderer with the encoder, the video decoder with face tracking). When the consumer stops early
    (an error, Ctrl-C, SIGTERM) the worker is told to stop and joined, so no thread is still working
    while the interpreter shuts down."""
    queue: Queue = Queue(maxsize=depth)
    done, stop = object(), threading.Event()
    error: list[BaseException] = []

    def put(item) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        source = iter(items)
        try:
            for b in source:
                if not put(b):
                    return
        except BaseException as exc:  # re-raised in the consumer
            error.append(exc)
        finally:
            # a generator is closed in the thread that ran it (an OpenGL context is bound to its thread)
            getattr(source, "close", lambda: None)()
            put(done)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            yield item
    finally:
        stop.set()
        worker.join()
    if error:
        raise error[0]


def end_pool(pool) -> None:
    """Stop a ProcessPoolExecutor now (Ctrl-C, SIGTERM or an error): a worker would otherwise finish
    its task (seconds of pocketsphinx) and the interpreter's exit would wait for it."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
