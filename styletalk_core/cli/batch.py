"""`styletalk batch`: a manifest of takes (CSV/JSONL) -> an output folder, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import PRECISIONS, BatchSettings, RenderSettings
from .common import add_command, one_line, progress_for


def add(sub, common) -> None:
    from ..batch import KINDS
    from ..batch.folder import BATCH_ENGINES

    b = add_command(
        sub,
        "batch",
        run,
        "a manifest of takes (CSV/JSONL) -> an output folder, resumable",
        "Animate many dialogue takes in one run: MANIFEST (.csv with a header, or .jsonl) has a line per take "
        "with id, audio, transcript or transcript_file, style (clips, videos or preset:NAME, ';'-separated), "
        "style_weights, style_strength, pose, character (glb/fbx outputs), image (render output) and outputs ("
        + ", ".join(KINDS)
        + "). Bad lines are reported "
        "with their line numbers before any work; each take's outputs go to OUTDIR/ID/ with take.json, and a "
        "take whose inputs and settings have not changed is skipped on the next run. The model loads once "
        "per process; takes run in --threads worker processes, or on a Ray cluster with --engine ray. "
        "OUTDIR/summary.json lists what was done, skipped and failed. Exit 1 if any take failed.",
        [common["progress"], common["device"], common["sync"]],
    )
    b.add_argument("manifest", type=Path, help="the takes: .csv (with a header) or .jsonl")
    b.add_argument("-o", "--output", type=Path, required=True, help="output folder (one folder per take id)")
    b.add_argument("--checkpoint", type=Path, help="generator checkpoint (default: the bundled model)")
    b.add_argument(
        "--engine",
        choices=BATCH_ENGINES,
        default="local",
        help="local worker processes, or Ray (pip install 'styletalk-toolkit[cluster]')",
    )
    b.add_argument("--address", help="with --engine ray: an existing cluster's address (default: start a local one)")
    b.add_argument("--renderer", type=Path, help="renderer weights for the render output (on a cluster: GPU workers)")
    b.add_argument("--precision", choices=PRECISIONS, default=RenderSettings.precision, help="the render's precision")


def run(args: argparse.Namespace) -> int:
    from ..batch import BatchHooks, run_batch
    from ..plugins import RENDERER, plugin
    from ..threads import cpu_threads

    lines = args.progress == "lines"
    bar = {"check": progress_for(args, "batch: styles", "file"), "takes": progress_for(args, "batch: takes", "take")}
    current = ["check"]

    def stage(name: str) -> None:
        current[0] = name
        if lines:
            print(f"stage {name}", flush=True)

    def progress(done: int, total: int) -> None:
        if bar[current[0]] is not None:
            bar[current[0]](done, total)

    def report(problem) -> None:
        print(
            f"styletalk batch: {args.manifest}:{problem.line}: {problem.id or '(no id)'}: {one_line(problem.reason)}",
            file=sys.stderr,
        )

    workers = args.threads or cpu_threads()
    r = plugin(RENDERER)
    writers = {"preview": r.preview_writer()}
    if args.renderer is not None:
        writers["render"] = r.render_writer(args.renderer, args.device, args.precision)
    settings = BatchSettings(args.checkpoint, workers, args.engine, args.address, args.sync_offset, args.lip_closure)
    done = run_batch(args.manifest, args.output, settings, writers=writers, hooks=BatchHooks(progress, stage, report))
    print(
        f"wrote {args.output}: {len(done.done)} takes done, {len(done.skipped)} skipped (current), "
        f"{len(done.failed)} failed (summary.json) in {done.seconds:.2f} s"
    )
    return 1 if done.failed else 0
