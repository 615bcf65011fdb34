"""`styletalk batch`: a manifest of takes -> OUTDIR/ID/ outputs and OUTDIR/summary.json. Every line is
checked and every style loaded before work starts; takes whose outputs are current are skipped; the
rest run in worker processes (or on a Ray cluster, batch.cluster), and each finished take is written
as it arrives, so a stop loses only the takes still running."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..formats.errors import InputError, StyleTalkError
from ..formats.fileio import atomic_path, input_hash
from ..formats.labelling import LabelOptions
from ..formats.outputs import KINDS
from ..formats.progress import Progress
from ..formats.style import StyleSpec
from ..formats.timebase import check_sync_offset
from ..native import raise_if_stopped
from ..settings import BatchSettings, GenerateSettings
from .folder import SUMMARY, locked, output_folder, remove_leftovers
from .manifest import Problem, Take, read_manifest
from .outputs import Writer, is_current, take_key, write_take
from .work import Job, Result, run_unit, units


@dataclass
class Summary:
    manifest: str
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"id", "line", "reason"}
    seconds: float = 0.0

    def fail(self, line: int, take_id: str, reason: str) -> None:
        self.failed.append({"id": take_id, "line": line, "reason": reason})


@dataclass
class Prepared:
    """Every distinct style clip and pose of the manifest, loaded once."""

    clips: dict = field(default_factory=dict)  # path -> (L, 64) array
    poses: dict = field(default_factory=dict)  # path -> (N, 9) array
    characters: dict = field(default_factory=dict)  # character_of(take) -> (its parts that change, our keys)
    hashes: dict = field(default_factory=dict)  # path -> sha256 of the bytes loaded from it (audio: when checked)


def character_of(take: Take) -> tuple[str, str]:
    """The key of a take's character: its file, and the landmarks placed on it ("" when none)."""
    return str(take.character), str(take.landmarks or "")


def _character(key: tuple[str, str]) -> tuple:
    """A character (only its parts that change: the face, teeth that go with the jaw) and our keys
    transferred onto it: once per character, for all its takes."""
    from ..formats.character import Character
    from ..retarget.character import character_keys
    from ..retarget.locate import FaceHints, find_face

    path, landmarks = key
    found = find_face(path, FaceHints(landmarks=landmarks or None))
    keys = character_keys(found)
    changed = Character(found.character.source, [found.character.part(k.part) for k in keys])
    return changed, keys


def _prepare(takes: list[Take], presets: Iterable[str], on_step: Progress) -> tuple[list, list[Problem], Prepared]:
    """The takes whose styles and poses load (each file once), and a Problem for each of the others."""
    from ..style.clip import load_expression, load_pose

    ready, problems, loaded, failed = [], [], Prepared(), {}
    clips = sorted({str(s.path) for t in takes for s in t.styles if not s.preset})
    poses = sorted({str(t.pose) for t in takes if t.pose})
    characters = sorted({character_of(t) for t in takes if any(KINDS[o].character for o in t.outputs)})
    work = [(n, load_expression, loaded.clips) for n in clips] + [(n, load_pose, loaded.poses) for n in poses]
    work += [(n, _character, loaded.characters) for n in characters]
    for i, (name, load, into) in enumerate(work):
        raise_if_stopped()
        try:
            into[name] = _loaded_as_hashed(name, load, loaded.hashes)[0]
        except StyleTalkError as exc:
            failed[name] = str(exc)
        on_step(i + 1, len(work))
    for t in takes:
        bad = [failed[str(s.path)] for s in t.styles if str(s.path) in failed]
        bad += [f"no style preset {s.preset!r} in the model" for s in t.styles if s.preset and s.preset not in presets]
        bad += [failed[str(t.pose)]] if t.pose and str(t.pose) in failed else []
        bad += [failed[character_of(t)]] if character_of(t) in failed else []
        (problems.append(Problem(t.line, t.id, bad[0])) if bad else ready.append(t))
    return ready, problems, loaded


def _loaded_as_hashed(name, load: Callable, hashes: dict) -> tuple:
    """(`load(name)`, the first file's hash), and the hash of the file(s) it read into `hashes`, taken
    before and after: a file replaced while it was read is one line, so a take's record always names
    the bytes it was made from."""
    paths = [p for p in (name if isinstance(name, tuple) else (name,)) if p]
    before = [input_hash(p) for p in paths]
    value = load(name)
    if [input_hash(p) for p in paths] != before:
        raise InputError(f"{paths[0]}: changed while it was being read; run the batch again")
    hashes.update(zip(paths, before, strict=True))
    return value, before[0]


def _handed(takes: list[Take], problems: list[Problem], writers: dict[str, Writer]) -> tuple[list[Take], list[Problem]]:
    """Takes asking for an output nobody handed a writer for, or that its writer refuses, become problems."""
    ready = []
    for t in takes:
        missing = [o for o in t.outputs if KINDS[o].handed and o not in writers]
        try:
            if missing:
                raise InputError(f"output {missing[0]!r} needs {KINDS[missing[0]].handed}")
            for kind in t.outputs:
                if kind in writers and writers[kind].check is not None:
                    writers[kind].check(t)
        except StyleTalkError as exc:
            problems.append(Problem(t.line, t.id, str(exc)))
            continue
        ready.append(t)
    return ready, problems


def _job(take: Take, loaded: Prepared, checkpoint: str | None) -> Job:
    styles = tuple(StyleSpec(str(s.path), s.weight) for s in take.styles)
    # what the style code depends on: the clips' bytes (a worker lives on across batches), weights, strength
    style_key = json.dumps([[s.preset or loaded.hashes[str(s.path)], s.weight] for s in styles] + [take.strength])
    return Job(
        take.id,
        str(take.audio),
        LabelOptions(take.transcript, take.language),  # a transcript_file's text is read by the check
        styles,
        tuple(loaded.clips.get(str(s.path)) for s in styles),
        style_key,
        GenerateSettings(
            take.strength,
            sync_offset_ms=take.sync_offset_ms or 0.0,
            lip_closure=take.lip_closure,
            checkpoint=checkpoint,
        ),
        loaded.poses.get(str(take.pose)) if take.pose else None,
        str(take.pose) if take.pose else None,
        audio_sha=loaded.hashes[str(take.audio)],
    )


def run_local(jobs: list[Job], workers: int, on_result: Callable[[Result], None]) -> None:
    """Jobs, in work units, in this process (workers <= 1) or in `workers` processes (at most one a CPU:
    each runs one thread and holds a model), results as they finish."""
    from ..threads import available_cpus

    todo, workers = units(jobs), min(workers, available_cpus())
    if workers <= 1 or len(todo) <= 1:
        from ..threads import thread_budget

        with thread_budget(1):
            for unit in todo:
                raise_if_stopped()
                for result in run_unit(unit):
                    on_result(result)
        return
    from ..children import isolated_spawned_workers
    from .pool import Workers

    with isolated_spawned_workers():
        pool = Workers(workers)
        try:
            pool.run(todo, on_result)
        finally:
            pool.close()


def _failed_lines(summary: Summary, problems: list[Problem], report: Callable[[Problem], None] | None) -> Summary:
    """The manifest's bad lines in the summary, in line order, each told to `report` as well."""
    for p in sorted(problems, key=lambda p: p.line):
        summary.fail(p.line, p.id, p.reason)
        if report is not None:
            report(p)
    return summary


@dataclass(frozen=True)
class BatchHooks:
    """Who hears a batch as it runs: `progress` (done, total) in each stage, `stage` each stage's name,
    `report` every bad line before any take runs and every take that fails as it fails."""

    progress: Progress = lambda done, total: None  # noqa: E731
    stage: Callable[[str], None] = lambda name: None  # noqa: E731
    report: Callable[[Problem], None] | None = None


def run_batch(
    manifest: str | os.PathLike,
    outdir: str | os.PathLike,
    settings: BatchSettings | None = None,
    *,
    writers: dict[str, Writer] | None = None,
    hooks: BatchHooks | None = None,
) -> Summary:
    """Check the manifest, skip current takes, run the rest, write OUTDIR/summary.json; returns it.
    `writers` makes the handed outputs (formats.outputs: the CLI's preview, and render with
    --renderer); the settings' `sync_offset_ms` and `lip_closure` are read_manifest's defaults."""
    t0 = time.perf_counter()
    settings, hooks = settings or BatchSettings(), hooks or BatchHooks()
    out = output_folder(outdir, settings.engine)
    report = hooks.report
    with locked(out):
        say, step = hooks.stage, hooks.progress
        say("check")
        takes, problems = read_manifest(manifest, check_sync_offset(settings.sync_offset_ms), settings.lip_closure)
        remove_leftovers(out, [t.id for t in takes])
        writers = writers or {}
        checked = _handed(takes, problems, writers)
        summary, todo, keys, loaded, jobs = _plan(manifest, out, checked, settings.checkpoint, writers, hooks)
        say("takes")
        step(0, max(len(todo), 1))
        by_id, finished = {t.id: t for t in todo}, [0]

        def on_result(result: Result) -> None:
            take = by_id[result.id]
            try:
                if result.curves is None:
                    raise InputError(result.error or "no curves")
                character = loaded.characters.get(character_of(take))
                write_take(out, take, keys[take.id], result.curves, character, {**writers, **result.made})
                summary.done.append(take.id)
            except Exception as exc:  # noqa: BLE001 (a take's failure is its own: the others go on)
                reason = str(exc) if isinstance(exc, StyleTalkError) else f"unexpected {type(exc).__name__}: {exc}"
                summary.fail(take.line, take.id, reason)
                if report is not None:  # as it happens, as the bad lines were
                    report(Problem(take.line, take.id, reason))
            finished[0] += 1
            step(finished[0], max(len(todo), 1))

        try:
            _run_engine(settings, jobs, todo, writers, on_result)
        finally:
            summary.seconds = round(time.perf_counter() - t0, 3)
            _write_summary(out, summary)
    return summary


def _plan(manifest, out: Path, checked: tuple[list[Take], list[Problem]], checkpoint, writers, hooks: BatchHooks):
    """The check's end: styles, poses and characters loaded (each once), the bad lines reported, and
    the takes not current yet with their jobs: (summary, todo, keys, loaded, jobs). `checked`: the
    takes that passed the check, and the bad lines."""
    from ..inference import load_model

    takes, problems = checked
    step, report = hooks.progress, hooks.report
    generator = load_model(checkpoint, "cpu")
    takes, more, loaded = _prepare(takes, generator.style_presets, step)
    keys = {}
    for t in list(takes):
        try:
            loaded.hashes[str(t.audio)] = input_hash(t.audio)
            keys[t.id] = take_key(t, generator.sha256, writers, loaded.hashes)
        except StyleTalkError as exc:  # a file gone since its line was checked
            more.append(Problem(t.line, t.id, str(exc)))
            takes.remove(t)
    summary = _failed_lines(Summary(str(manifest)), problems + more, report)
    todo = [t for t in takes if not is_current(out, t, keys[t.id])]
    summary.skipped = [t.id for t in takes if t not in todo]
    return summary, todo, keys, loaded, [_job(t, loaded, checkpoint) for t in todo]


def _run_engine(
    settings: BatchSettings,
    jobs: list[Job],
    todo: list[Take],
    writers: dict[str, Writer],
    on_result: Callable[[Result], None],
) -> None:
    if settings.engine == "ray":
        from .cluster import run_ray

        remote = {t.id: (t, {k: writers[k] for k in t.outputs if k in writers}) for t in todo}
        run_ray(jobs, settings.address, settings.workers, on_result, remote)
    else:
        run_local(jobs, settings.workers, on_result)


def _write_summary(out: Path, summary: Summary) -> None:
    with atomic_path(out / SUMMARY) as tmp:
        tmp.write_text(json.dumps(asdict(summary), indent=1))
