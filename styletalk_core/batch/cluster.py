"""The batch's takes on a Ray cluster (the `[cluster]` extra): the same work unit (batch.work.run_job)
as a Ray task per take, one CPU each, with the audio sent along so workers need none of the driver's
files; results come back to this process, which writes them into the same output folder. `address`
is an existing cluster's (`ray start --head` prints it; "auto" finds one on this machine); without
one, a local cluster of `workers` CPUs is started for the batch and stopped after it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..formats.errors import MissingDependencyError
from ..native import raise_if_stopped
from .work import Job, Result, one_thread, run_job


def _remote_job(job: Job) -> Result:
    one_thread()
    return run_job(job)


def run_ray(jobs: list[Job], address: str | None, workers: int, on_result: Callable[[Result], None]) -> None:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("the Ray engine needs Ray: pip install 'styletalk-toolkit[cluster]'") from None
    started = not ray.is_initialized()
    if started:
        options = {"address": address} if address else {"num_cpus": max(1, workers), "include_dashboard": False}
        ray.init(**options, log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}})  # fmt: skip
    task = ray.remote(num_cpus=1, max_retries=0)(_remote_job)
    pending = []
    try:
        for job in jobs:
            with open(job.audio, "rb") as f:
                pending.append(task.remote(dataclasses.replace(job, audio_bytes=f.read())))
        while pending:
            finished, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            for ref in finished:
                on_result(ray.get(ref))
            raise_if_stopped()
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()
