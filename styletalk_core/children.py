"""The toolkit's child processes (Blender, the labeller's and the batch's worker processes, Ray's
workers, the add-on's jobs) import the toolkit and its environment only, never a module that happens
to sit in the working folder: `python -P`, PYTHONSAFEPATH for every interpreter started below them,
and no empty or relative PYTHONPATH entry (each of those means the working folder). Worker processes
and the Blender child end with the process that started them, even one killed with SIGKILL."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator, Sequence


def python_module(module: str, *args: str) -> list[str]:
    """`python -P -m module args`: -P keeps the working folder off sys.path (plain -m puts it first)."""
    return [sys.executable, "-P", "-m", module, *args]


def safe_pythonpath(value: str | None, first: Sequence[str] = ()) -> str:
    """PYTHONPATH with `first` in front and only absolute entries kept."""
    entries = [*first, *(value or "").split(os.pathsep)]
    return os.pathsep.join(dict.fromkeys(e for e in entries if e and os.path.isabs(e)))


def child_environment(first: Sequence[str] = ()) -> dict[str, str]:
    """This process's environment for a child interpreter: safe paths, `first` on PYTHONPATH."""
    env = dict(os.environ, PYTHONSAFEPATH="1")
    path = safe_pythonpath(env.get("PYTHONPATH"), first)
    if path:
        env["PYTHONPATH"] = path
    else:
        env.pop("PYTHONPATH", None)
    return env


@contextlib.contextmanager
def isolated_spawned_workers() -> Iterator[None]:
    """multiprocessing's spawned workers (`python -c ...`, which would put the working folder first)
    start from this process's environment: it has the child settings for the block (a pool started
    in it, and workers it starts later), then is as it was, so a library caller's own children are
    not changed."""
    saved = {name: os.environ.get(name) for name in ("PYTHONSAFEPATH", "PYTHONPATH")}
    env = child_environment()
    os.environ["PYTHONSAFEPATH"] = "1"
    if "PYTHONPATH" in env:
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    else:
        os.environ.pop("PYTHONPATH", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def ray_driver_folder() -> Iterator[None]:
    """Ray puts its driver's working folder on every worker's sys.path, first, when it connects:
    connect from the file system's root, a folder no user writes to, then come back."""
    here = os.getcwd()
    os.chdir(os.path.abspath(os.sep))
    try:
        yield
    finally:
        os.chdir(here)


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_VARIABLE = "STYLETALK_PARENT_PID"  # a child started by subprocess learns its parent's pid from it


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when the process that started it (pid `parent`) ends,
    however it ends (Linux; elsewhere nothing is done); if it has ended already, end now."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)
