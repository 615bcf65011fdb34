"""The batch's takes on a Ray cluster (the `[cluster]` extra): the same work units (batch.work.run_unit)
as Ray tasks, one CPU each, with the audio sent along so workers need none of the driver's files.
A take's videos (the outputs the caller hands in, batch.outputs.Writer) are made by a further task
each, on a worker with a GPU when the writer asks for one and the cluster has one; their bytes come
back with the curves, and this process writes every take into the same output folder. `address` is
an existing cluster's (`ray start --head` prints it; "auto" finds one on this machine); without one,
a local cluster of `workers` CPUs is started for the batch and stopped after it."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..children import ray_driver_folder
from ..formats.errors import InputError, MissingDependencyError, StyleTalkError
from ..native import raise_if_stopped, request_stop
from .manifest import Take
from .outputs import Writer
from .work import Job, Result, one_thread, run_unit, units

Remote = dict[str, tuple[Take, dict[str, Writer]]]  # take id -> (take, its handed outputs' writers)


def _remote_unit(unit: tuple[Job, ...], *audios: bytes) -> list[Result]:
    """On a worker: the unit's takes, each job's audio from its bytes (Ray hands each argument's
    object over, one copy of a file however many takes share it)."""
    one_thread()
    return run_unit(tuple(dataclasses.replace(job, audio_bytes=a) for job, a in zip(unit, audios, strict=True)))


def _remote_write(writer: Writer, curves, take: Take, names: tuple[str, ...], *datas: bytes) -> bytes | str:
    """On a worker: the take's input files (audio, image) from their bytes, the output made in a
    scratch folder; its bytes, or the one-line reason it failed."""
    one_thread()
    with tempfile.TemporaryDirectory(prefix="styletalk_take_") as tmp:
        files = {}
        for name, data in zip(names, datas, strict=True):
            files[name] = Path(tmp) / f"{name}{Path(getattr(take, name)).suffix}"
            files[name].write_bytes(data)
        out = Path(tmp) / "out.mp4"
        try:
            writer.write(curves, out, dataclasses.replace(take, **files))
        except StyleTalkError as exc:
            text = str(exc)
            for name, path in files.items():
                text = text.replace(str(path), str(getattr(take, name)))
            return text
        return out.read_bytes()


def resources(writer: Writer, cluster: dict) -> dict:
    """A write task's Ray resources: a GPU when the writer wants one and the cluster has one."""
    return {"num_gpus": 1} if writer.gpu and cluster.get("GPU", 0) >= 1 else {"num_cpus": 1}


CONNECT_TIMEOUT_S = 5.0


def check_address(address: str) -> None:
    """A cluster address that answers, before Ray is asked to join it (Ray itself waits minutes on a
    dead one, and a malformed one is a traceback): `auto`, or [ray://]HOST:PORT open to a connection
    within CONNECT_TIMEOUT_S; else one InputError line."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--address {address[:80]!r}: a Ray cluster's address is HOST:PORT (or auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise InputError(f"--address {address[:80]!r}: no Ray cluster answers there ({reason})") from None


def init_options(address: str | None, workers: int) -> dict:
    """ray.init's arguments: join the cluster at `address`, else start a local one of `workers` CPUs;
    each worker runs one thread of torch (the units are the parallelism)."""
    options = {"address": address} if address else {"num_cpus": max(1, workers), "include_dashboard": False}
    return {
        **options,
        "log_to_driver": False,
        "configure_logging": False,
        "runtime_env": {"env_vars": {"OMP_NUM_THREADS": "1"}},
    }


def run_ray(
    jobs: list[Job],
    address: str | None,
    workers: int,
    on_result: Callable[[Result], None],
    remote: Remote | None = None,
) -> None:
    os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")  # read when Ray is imported
    try:
        import ray
    except ImportError:
        raise MissingDependencyError("the Ray engine needs Ray: pip install 'styletalk-toolkit[cluster]'") from None
    if address:
        check_address(address)
    started = not ray.is_initialized()  # a cluster this process joined already is used as it is
    if started:
        _init(ray, address, workers)
    try:
        _run(ray, jobs, on_result, remote or {})
    finally:
        if started:
            ray.shutdown()


@contextlib.contextmanager
def _stops_held(ray) -> Iterator[list[int]]:
    """While Ray starts, a SIGTERM or Ctrl-C is noted (the list it yields), not acted on: stopped half
    way, Ray leaves its processes behind. Ray's own SIGTERM handler (exit 15) is not put in, and this
    process's handlers are as they were after."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    asked: list[int] = []
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in handlers:
        signal.signal(sig, lambda signum, frame: asked.append(signum))
    utils = getattr(getattr(ray, "_private", None), "utils", None)
    own = getattr(utils, "set_sigterm_handler", None)
    if own is not None:
        utils.set_sigterm_handler = lambda handler: None
    try:
        yield asked
    finally:
        if own is not None:
            utils.set_sigterm_handler = own
        for sig, handler in handlers.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _init(ray, address: str | None, workers: int) -> None:
    """ray.init, leaving this process's signal handling and stderr as they were (Ray's native failure
    handler, a stack dump on SIGTERM, is turned off before Ray is imported: run_ray); a stop asked for
    while it started is carried out once it has."""
    ray_log = logging.getLogger("ray")
    level = ray_log.level
    ray_log.setLevel(logging.ERROR)  # its warning on starting a local cluster (tokens)
    try:
        with _stops_held(ray) as asked, ray_driver_folder():
            ray.init(**init_options(address, workers))
    finally:
        ray_log.setLevel(level)
    if asked:
        ray.shutdown()
        request_stop()
        raise KeyboardInterrupt


class _Store:
    """Each input file's bytes put in Ray's object store once, however many takes use it; the
    driver keeps only the references."""

    def __init__(self, ray):
        self.ray, self.refs = ray, {}

    def __call__(self, path) -> object:
        key = str(path)
        if key not in self.refs:
            self.refs[key] = self.ray.put(Path(path).read_bytes())
        return self.refs[key]


@dataclass
class _Flight:
    """A Ray batch in flight: the tasks out (a unit's ref -> None, a video's -> (take id, kind)), the
    takes whose videos are still being made (take id -> (its result, kinds left)), and what the
    driver needs to send more."""

    write_task: object
    store: _Store
    cluster: dict  # the cluster's resources
    remote: Remote
    on_result: Callable[[Result], None]
    pending: dict = field(default_factory=dict)
    waiting: dict[str, tuple[Result, set]] = field(default_factory=dict)

    def follow(self, result: Result) -> None:
        """A take's curves are back: its videos go to workers, or it is done."""
        take, writers = self.remote.get(result.id, (None, {}))
        if result.curves is None or not writers:
            self.on_result(result)
            return
        names = ("audio",) if take.image is None else ("audio", "image")
        datas = [self.store(getattr(take, name)) for name in names]
        self.waiting[result.id] = (result, set(writers))
        for kind, writer in writers.items():
            task = self.write_task.options(**resources(writer, self.cluster))
            self.pending[task.remote(writer, result.curves, take, names, *datas)] = (result.id, kind)

    def made(self, what: tuple[str, str], made: bytes | str) -> None:
        """A take's video is back (its bytes, or the writer's reason it failed)."""
        take_id, kind = what
        if take_id not in self.waiting:  # failed already by another of its outputs
            return
        result, kinds = self.waiting[take_id]
        if isinstance(made, str):  # the writer's reason: the take fails
            del self.waiting[take_id]
            self.on_result(dataclasses.replace(result, curves=None, error=made))
            return
        result.made[kind] = made
        kinds.discard(kind)
        if not kinds:
            del self.waiting[take_id]
            self.on_result(result)


def _run(ray, jobs: list[Job], on_result: Callable[[Result], None], remote: Remote) -> None:
    unit_task = ray.remote(num_cpus=1, max_retries=0)(_remote_unit)
    write_task = ray.remote(max_retries=0)(_remote_write)
    flight = _Flight(write_task, _Store(ray), ray.cluster_resources(), remote, on_result)
    pending = flight.pending
    try:
        for unit in units(jobs):
            pending[unit_task.remote(unit, *(flight.store(job.audio) for job in unit))] = None
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            for ref in finished:
                what = pending.pop(ref)
                if what is None:
                    for result in ray.get(ref):
                        flight.follow(result)
                else:
                    flight.made(what, ray.get(ref))
            raise_if_stopped()
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
