"""The toolkit's child processes (Blender, the labeller's and the batch's worker processes, Ray's
workers, the add-on's jobs) import the toolkit and its environment only, never a module that happens
to sit in the working folder: `python -P`, PYTHONSAFEPATH for every interpreter started below them,
and no empty or relative PYTHONPATH entry (each of those means the working folder)."""

from __future__ import annotations

import contextlib
import os
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


def isolate_spawned_workers() -> None:
    """multiprocessing's spawned workers (`python -c ...`, which would put the working folder first)
    start from this process's environment: give it the child settings before a pool starts."""
    env = child_environment()
    os.environ["PYTHONSAFEPATH"] = "1"
    if "PYTHONPATH" in env:
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    else:
        os.environ.pop("PYTHONPATH", None)


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
