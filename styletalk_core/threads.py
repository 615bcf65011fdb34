"""How many CPU threads the toolkit's work may use: `--threads`, else OMP_NUM_THREADS, else the
CPUs this process may run on. One number for torch's intra-op pool and for process pools (the
phoneme labeller's segments), so nothing oversubscribes a 2-core machine."""

from __future__ import annotations

import os
import sys

from .formats.errors import InputError


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
