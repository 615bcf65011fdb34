"""Studio batches: a manifest of dialogue takes -> an output folder of curves and exports, resumable,
on all cores or on a Ray cluster. manifest (what a take is), work (one take's work, in any process),
outputs (a take's files and the record that makes it skippable), run (the local runner and summary),
cluster (the Ray engine)."""

from .manifest import KINDS, Problem, Take, read_manifest
from .outputs import Writer
from .run import BatchHooks, Summary, run_batch

__all__ = ["KINDS", "BatchHooks", "Problem", "Summary", "Take", "Writer", "read_manifest", "run_batch"]
