"""A batch manifest: every bad line reported before work with its line number, the text kept as written, values
of the wrong kind and takes that cannot work are their line's problem, languages mixed in one manifest."""

import json
import os

import numpy as np
import pytest

from styletalk_core.batch import BatchHooks, run_batch
from styletalk_core.batch.folder import LOCK
from styletalk_core.settings import BatchSettings

from ..conftest import spoken
from .conftest import GOOD


@pytest.mark.slow
def test_bad_lines_are_reported_before_work_and_the_rest_done_then_skipped(takes):
    folder, manifest = takes
    (folder / "broken.mat").write_bytes(b"not a clip")
    path = manifest(
        GOOD
        + [
            'd,line3.wav,,calm.mat,"1;2",curves',
            "e,missing.wav,,calm.mat,,curves",
            "f,line3.wav,,broken.mat,,curves",
            "a,line3.wav,,calm.mat,,curves",
        ]
    )
    out, reported = folder / "out", []

    def report(problem):
        assert not out.exists() or not [p for p in out.iterdir() if p.name != LOCK]  # before any take's output
        reported.append(problem)

    summary = run_batch(path, out, BatchSettings(workers=2), hooks=BatchHooks(report=report))
    assert [(p.line, p.id) for p in reported] == [(5, "d"), (6, "e"), (7, "f"), (8, "a")]
    assert "2 style weights for 1 styles" in reported[0].reason and "missing.wav" in reported[1].reason
    assert "broken.mat" in reported[2].reason and "earlier line" in reported[3].reason
    assert sorted(summary.done) == ["a", "b", "c"] and len(summary.failed) == 4
    assert sorted(os.listdir(out / "a")) == ["arkit.csv", "curves.npz", "take.json"]
    assert json.loads((out / "summary.json").read_text())["failed"][1]["line"] == 6
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "summary.json"}
    again = run_batch(path, out, BatchSettings(workers=2))
    assert again.done == [] and sorted(again.skipped) == ["a", "b", "c"]
    assert {p: p.stat().st_mtime_ns for p in before} == before


@pytest.mark.slow
def test_a_manifest_mixes_languages_each_in_the_takes_hash(takes):
    """English and Spanish lines in one batch, each labelled in its language (the curves say which);
    a line's language and sync offset are part of its hash: changing one redoes that take only; an
    unknown language or a sync offset out of range is its line's problem, before any work."""
    from styletalk_core.formats.curves import load_curves

    folder, manifest = takes
    spoken(folder / "hola.wav", "Hola, me llamo Pablo y bebo mucho vino.", "es")
    rows = [
        "en,line0.wav,hello and welcome,calm.mat,,curves,en,",
        'es,hola.wav,"Hola, me llamo Pablo y bebo mucho vino.",calm.mat,,curves,es,',
        "es2,hola.wav,,calm.mat,,curves,es-419,40",
    ]
    path, out = manifest(rows, ",language,sync_offset"), folder / "out"
    summary = run_batch(path, out, BatchSettings(workers=1))
    assert sorted(summary.done) == ["en", "es", "es2"]
    spanish, english = load_curves(out / "es" / "curves.npz"), load_curves(out / "en" / "curves.npz")
    assert spanish.meta["language"] == "es" and english.meta["language"] == "en"
    assert load_curves(out / "es2" / "curves.npz").meta["sync"]["offset_ms"] == 40.0
    bilabials = np.isin(spanish.phonemes, [6, 21, 27])  # B, M, P: Pablo, bebo, me llamo
    assert bilabials.sum() >= 6
    rows[2] = rows[2].replace(",40", ",0")
    assert run_batch(manifest(rows, ",language,sync_offset"), out, BatchSettings(workers=1)).done == ["es2"]
    rows[0] = rows[0].replace(",en,", ",de,")
    assert run_batch(manifest(rows, ",language,sync_offset"), out, BatchSettings(workers=1)).done == ["en"]
    broken = [rows[0].replace(",de,", ",xx,"), rows[1].replace(",es,", ",es,9999")]
    bad = run_batch(manifest(broken, ",language,sync_offset"), out, BatchSettings(workers=1))
    reasons = sorted(f["reason"] for f in bad.failed)
    assert "unknown or unsupported language 'xx'" in reasons[0] and "sync_offset" in reasons[1], reasons


def test_manifest_text_is_kept_as_written(tmp_path):
    """A quoted CSV field keeps its newline; a JSONL line holding U+2028, a form feed or NEL in a string
    is one line, as JSON allows (str.splitlines split them)."""
    from styletalk_core.batch.manifest import read_manifest

    (tmp_path / "a.wav").write_bytes(b"")
    csv_path = tmp_path / "takes.csv"
    csv_path.write_text('id,audio,transcript,style\r\nt1,a.wav,"hello\nworld",preset:happy\r\n', newline="")
    (take,), problems = read_manifest(csv_path)
    assert take.transcript == "hello\nworld" and not problems
    jsonl = tmp_path / "takes.jsonl"
    lines = [
        {"id": "u2028", "audio": "a.wav", "transcript": "one\u2028two", "style": "preset:happy"},
        {"id": "ff", "audio": "a.wav", "transcript": "one\x0ctwo\x85three", "style": "preset:happy"},
    ]
    jsonl.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\r\n", encoding="utf-8")
    takes, problems = read_manifest(jsonl)
    assert [t.transcript for t in takes] == ["one\u2028two", "one\x0ctwo\x85three"] and not problems
    assert [t.line for t in takes] == [1, 2]


def test_a_take_that_cannot_work_is_its_lines_problem_before_any_work(tmp_path):
    """A transcript file that is not UTF-8, or the official .npy output without a pose, is that line's
    problem when the manifest is checked; the other lines are takes (#39: they had stopped the batch,
    or failed after their take was generated). A transcript file's text is read once, there."""
    from styletalk_core.batch.manifest import read_manifest

    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("señor".encode("latin-1"))
    (tmp_path / "good.txt").write_text("buenos días", encoding="utf-8")
    path = tmp_path / "takes.csv"
    rows = [
        "bad,a.wav,latin1.txt,preset:happy,curves",
        "npy,a.wav,,preset:happy,curves;npy",
        "good,a.wav,good.txt,preset:happy,curves",
    ]
    path.write_text("id,audio,transcript_file,style,outputs\n" + "\n".join(rows) + "\n")
    takes, problems = read_manifest(path)
    assert [t.id for t in takes] == ["good"] and takes[0].transcript == "buenos días"
    assert [p.id for p in problems] == ["bad", "npy"]
    assert "not UTF-8 text (byte 2)" in problems[0].reason and "pose" in problems[1].reason


def test_manifest_values_of_the_wrong_kind_are_their_lines_problem(tmp_path):
    """JSON of the wrong type, nesting 100,000 deep, a 5,000-character path, more CSV fields than the
    header, a field over the csv module's 128 KB: one problem each, or one line for the manifest, never
    a traceback (#39 class 7)."""
    from styletalk_core.batch.manifest import read_manifest
    from styletalk_core.formats.errors import InputError

    (tmp_path / "a.wav").write_bytes(b"")
    good = {"audio": "a.wav", "style": "preset:happy"}
    lines = [
        json.dumps({"id": "strength", **good, "style_strength": [1]}),
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"id": "long", **good, "audio": "x" * 5000}),
        json.dumps({"id": "deep_name", **good, "audio": "d" * 300}),  # a name past the file system's 255
        json.dumps({"id": "ok", **good}),
    ]
    path = tmp_path / "takes.jsonl"
    path.write_text("\n".join(lines) + "\n")
    takes, problems = read_manifest(path)
    assert [t.id for t in takes] == ["ok"] and len(problems) == 4
    reasons = " | ".join(p.reason for p in problems)
    assert "style_strength '[1]' is not a number" in reasons and "nested too deeply" in reasons
    assert "over 4096 characters" in reasons and "cannot be read" in reasons
    extra = tmp_path / "extra.csv"
    extra.write_text("id,audio,style\nx,a.wav,preset:happy,surplus\ny,a.wav,preset:happy\n")
    takes, problems = read_manifest(extra)
    assert [t.id for t in takes] == ["y"] and "1 more fields than the header" in problems[0].reason
    huge = tmp_path / "huge.csv"
    huge.write_text(f'id,audio,transcript,style\nz,a.wav,"{"w " * 100_000}",preset:happy\n')
    with pytest.raises(InputError, match="huge.csv: line .*field larger than field limit"):
        read_manifest(huge)
