"""`styletalk batch`: bad lines reported before work and the rest done; a second run skips everything;
a changed style redoes only its takes; SIGTERM mid-batch stops within 2 s leaving no partial file and
no process; one process, worker processes and a local Ray cluster give the same files."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from styletalk_core.batch import BatchHooks, run_batch
from styletalk_core.batch.folder import LOCK
from styletalk_core.cli import main
from styletalk_core.settings import BatchSettings, GenerateSettings

from .. import hostile
from ..conftest import REPO, shared_path, spoken

HELLO = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"


def _cut(src: Path, dst: Path, start_s: float, seconds: float) -> None:
    with wave.open(str(src)) as w:
        rate = w.getframerate()
        w.readframes(int(start_s * rate))
        frames, params = w.readframes(int(seconds * rate)), w.getparams()
    with wave.open(str(dst), "wb") as out:
        out.setparams(params)
        out.writeframes(frames)


@pytest.fixture
def takes(shared, tmp_path):
    """A folder with short takes cut from the bundled example, two style clips and a manifest writer."""
    for i in range(4):
        _cut(HELLO, tmp_path / f"line{i}.wav", 1.5 * i, 1.5)
    clips = sorted(shared_path("official_samples", "samples", "style_clips", "3DMM").glob("*.mat"))[:2]
    for name, clip in zip(("calm.mat", "wild.mat"), clips, strict=True):
        (tmp_path / name).write_bytes(clip.read_bytes())

    def manifest(rows: list[str], extra: str = "") -> Path:
        path = tmp_path / "takes.csv"
        path.write_text(f"id,audio,transcript,style,style_weights,outputs{extra}\n" + "\n".join(rows) + "\n")
        return path

    return tmp_path, manifest


GOOD = [
    "a,line0.wav,hello and welcome,calm.mat,,curves;arkit-csv",
    "b,line1.wav,,wild.mat,,curves",
    "c,line2.wav,,preset:happy;calm.mat,1;3,curves;arkit-json",
]


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def _same_curves(a: Path, b: Path) -> None:
    for take in ("a", "b", "c"):
        with np.load(a / take / "curves.npz") as x, np.load(b / take / "curves.npz") as y:
            assert set(x.files) == set(y.files)
            for key in x.files:
                assert np.array_equal(x[key], y[key]), (take, key)


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
def test_a_changed_style_redoes_only_its_takes(shared, takes, capsys):
    folder, manifest = takes
    path, out = manifest(GOOD), folder / "out"
    assert main(["batch", str(path), "-o", str(out), "--threads", "1", "--progress", "none"]) == 0
    first = _files(out)
    other = sorted(shared_path("official_samples", "samples", "style_clips", "3DMM").glob("*.mat"))[2]
    (folder / "wild.mat").write_bytes(other.read_bytes())
    summary = run_batch(path, out, BatchSettings(workers=1))
    assert summary.done == ["b"] and sorted(summary.skipped) == ["a", "c"]
    now = _files(out)
    assert now["b/curves.npz"] != first["b/curves.npz"]
    assert all(now[f] == first[f] for f in first if not f.startswith("b/"))


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


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray cluster for this module's Ray tests (run_batch joins it instead of starting its own:
    its workers, torch imported, serve every test)."""
    ray = pytest.importorskip("ray", reason="the Ray engine needs the [cluster] extra (ray)")
    from styletalk_core.batch.cluster import init_options
    from styletalk_core.children import ray_driver_folder

    # started as run_ray starts one, from a working folder of modules named like the ones workers import
    work = Path(tempfile.mkdtemp(prefix="styletalk_planted_"))
    ran = hostile.plant_modules(work)
    here = os.getcwd()
    os.chdir(work)
    try:
        with ray_driver_folder():
            ray.init(**init_options(None, 2))
    finally:
        os.chdir(here)
    yield ran
    ray.shutdown()
    shutil.rmtree(work, ignore_errors=True)


@pytest.mark.slow
def test_one_process_worker_processes_and_a_ray_cluster_give_the_same_files(takes, ray_cluster, monkeypatch):
    """Worker processes and Ray's workers run nothing from the working folder."""
    folder, manifest = takes
    path = manifest(GOOD)
    run_batch(path, folder / "one", BatchSettings(workers=1))
    monkeypatch.chdir(ray_cluster.parent)
    run_batch(path, folder / "pool", BatchSettings(workers=2))
    _same_curves(folder / "one", folder / "pool")
    summary = run_batch(path, folder / "ray", BatchSettings(workers=2, engine="ray"))
    assert sorted(summary.done) == ["a", "b", "c"]
    _same_curves(folder / "one", folder / "ray")
    one, ray_files = _files(folder / "one"), _files(folder / "ray")
    assert one.keys() == ray_files.keys()
    assert all(one[f] == ray_files[f] for f in one if not f.endswith(".npz"))  # exports byte for byte
    assert not ray_cluster.exists(), ray_cluster.read_text()


def _running_in_group(pgid: int) -> list[str]:
    """Live processes of the group after up to 1 s (exited ones not yet reaped by init don't count)."""
    for _ in range(10):
        ps = subprocess.run(["ps", "-o", "stat=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
        alive = [line for line in ps.splitlines() if line.strip() and not line.strip().startswith("Z")]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


@pytest.mark.slow
@pytest.mark.timing
def test_sigterm_mid_batch_stops_within_2_s_leaving_no_partial_file_or_process(takes):
    folder, manifest = takes
    rows = [f"t{i},line{i % 4}.wav,,{'calm' if i % 2 else 'wild'}.mat,,curves;arkit-csv" for i in range(12)]
    out = folder / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "styletalk_core.cli",
            "batch",
            str(manifest(rows)),
            "-o",
            str(out),
            "--threads",
            "2",
            "--progress",
            "lines",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stage = ""
    for line in proc.stdout:
        stage = line.split()[1] if line.startswith("stage ") else stage
        if stage == "takes" and line.startswith("progress 1 "):  # the first take written
            break
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    assert time.monotonic() - t0 < 2.0 and proc.returncode == 130, proc.stderr.read()
    assert not _running_in_group(proc.pid)  # no worker left behind
    assert not [p for p in out.rglob(".*")]  # no temporary file
    for take in [p for p in out.iterdir() if p.is_dir()]:  # each take whole or absent
        assert sorted(os.listdir(take)) == ["arkit.csv", "curves.npz", "take.json"]
    assert 1 <= len([p for p in out.iterdir() if p.is_dir()]) < 12
    assert (out / "summary.json").is_file()  # what was done before the stop


def test_a_take_that_cannot_be_written_leaves_no_folder(tmp_path):
    from styletalk_core.batch.manifest import Take
    from styletalk_core.batch.outputs import write_take
    from styletalk_core.formats.curves import Curves
    from styletalk_core.formats.errors import InputError
    from styletalk_core.formats.style import StyleSpec

    take = Take("t", 2, HELLO, None, None, (StyleSpec("preset:happy"),), 1.0, None, ("curves", "arkit-csv"))
    exp = np.zeros((10, 64), np.float32)
    exp[3, 5] = np.nan
    with pytest.raises(InputError, match="NaN"):
        write_take(tmp_path, take, "key", Curves(exp=exp))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("version", ["5.0", "4.2"])
def test_blender_imports_a_batch_as_one_action_per_take_and_nla_strips(blender, takes, version, tmp_path_factory):
    from ..blender_scene import run_checks

    folder, manifest = takes
    out = folder / "out"
    run_batch(manifest(GOOD), out, BatchSettings(workers=1))
    (out / "z_broken").mkdir()
    (out / "z_broken" / "take.json").write_text("{not json")
    work = tmp_path_factory.mktemp(f"batch_blender_{version}")
    r = run_checks(version, "batch_checks.py", work, out)
    assert "no active mesh" in r["no_mesh"] and "holds no batch takes" in r["empty"]
    assert r["nla"] == "{'FINISHED'}" and r["actions"] == ["a", "b", "c"] and r["fake_users"]
    assert r["active"] is None  # the NLA track plays
    strips = r["strips"]
    assert [s[0] for s in strips] == ["a", "b", "c"] and strips[0][1] == 5
    # in order, 10 frames apart
    assert all(nxt[1] >= prev[2] + 10 for prev, nxt in zip(strips, strips[1:], strict=False))
    assert r["frame_range"] == [5, math.ceil(strips[-1][2])]
    assert max(r["nla_errors"].values()) < 1e-5, r["nla_errors"]
    assert r["reloaded"] == [["a", "b", "c"], 3]
    assert r["actions_only"] == "{'FINISHED'}"
    assert r["after_second"] == [["a", "a.001", "b", "b.001", "c", "c.001"], "a.001", 1]
    assert "past Blender's last frame" in r["all_or_none"][0] and r["all_or_none"][1]  # nothing half-imported


@pytest.mark.slow
def test_character_takes_share_one_face_search_and_come_out_validated(blender, shared, takes, monkeypatch):
    import styletalk_core.retarget.locate as retarget
    from styletalk_core.meshio import read_character

    from ..gltf_clients import node_reader

    folder, manifest = takes
    head = shared_path("characters", "LeePerrySmith.glb")
    searches = []
    real = retarget.find_face
    monkeypatch.setattr(retarget, "find_face", lambda *a, **k: searches.append(a) or real(*a, **k))
    rows = [f"{i},line{i}.wav,,{s},,curves;glb,{head}" for i, s in ((0, "calm.mat"), (1, "preset:happy"))]
    path = manifest(rows, ",character")
    summary = run_batch(path, folder / "out", BatchSettings(workers=1))
    assert sorted(summary.done) == ["0", "1"] and len(searches) == 1  # one face search for both takes
    for take in ("0", "1"):
        glb = folder / "out" / take / "character.glb"
        face = next(p for p in read_character(glb).parts if p.target_names)
        assert {n.rsplit("_", 1)[0] for n in face.target_names} == {f"exp{i:02d}" for i in range(64)}
    for report in node_reader("validate", *(folder / "out" / t / "character.glb" for t in ("0", "1"))):
        assert report["errors"] == 0, report
    assert run_batch(path, folder / "out", BatchSettings(workers=1)).skipped == ["0", "1"]


@pytest.mark.slow
def test_preview_output_from_the_command_and_refused_by_the_bare_library_call(takes):
    av = pytest.importorskip("av")
    folder, manifest = takes
    path = manifest(["v,line0.wav,,calm.mat,,curves;preview"])
    assert (
        run_batch(path, folder / "lib", BatchSettings(workers=1))
        .failed[0]["reason"]
        .startswith("output 'preview' needs")
    )
    assert main(["batch", str(path), "-o", str(folder / "cli"), "--threads", "1", "--progress", "none"]) == 0
    with np.load(folder / "cli" / "v" / "curves.npz") as z:
        frames = len(z["exp"])
    with av.open(str(folder / "cli" / "v" / "preview.mp4")) as video:
        kinds = sorted(s.type for s in video.streams)
        assert sum(1 for _ in video.decode(video=0)) == frames
    assert kinds == ["audio", "video"]


RENDERER = ("parity", "renderer_random_ckpt.pth")
FACE = ("official_samples", "samples", "source_video", "image")


def _video(path: Path) -> tuple[np.ndarray, list[str]]:
    import av

    with av.open(str(path)) as video:
        kinds = sorted(s.type for s in video.streams)
        return np.stack([f.to_ndarray(format="rgb24") for f in video.decode(video=0)]), kinds


@pytest.mark.slow
def test_render_output_from_a_reference_image_refusals_before_work_and_on_ray_workers(shared, takes, ray_cluster):
    pytest.importorskip("av")
    folder, manifest = takes
    _cut(HELLO, folder / "short.wav", 1.5, 0.2)
    face = sorted(shared_path(*FACE).glob("*.png"))[0]
    (folder / "not_an_image.png").write_bytes(b"no")
    rows = [
        f"r,short.wav,,calm.mat,,curves;preview;render,{face}",
        "n,short.wav,,calm.mat,,render,",
        "x,short.wav,,calm.mat,,render,not_an_image.png",
    ]
    path, out = manifest(rows, ",image"), folder / "out"
    command = ["batch", str(path), "-o", str(out), "--threads", "1", "--progress", "none"]
    command += ["--renderer", str(shared_path(*RENDERER)), "--device", "cpu"]
    assert run_batch(path, folder / "lib", BatchSettings(workers=1)).failed[-1]["reason"] == (
        "output 'render' needs renderer weights (styletalk batch --renderer WEIGHTS)"
    )
    assert main(command) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["done"] == ["r"] and [f["line"] for f in summary["failed"]] == [3, 4]
    assert "needs a reference face image" in summary["failed"][0]["reason"]
    assert "not_an_image.png: not a readable image" in summary["failed"][1]["reason"]
    frames, kinds = _video(out / "r" / "render.mp4")
    with np.load(out / "r" / "curves.npz") as z:
        assert frames.shape == (len(z["exp"]), 256, 256, 3) and kinds == ["audio", "video"]
    assert frames.std() > 1  # a picture, not a blank
    assert main(command) == 1 and json.loads((out / "summary.json").read_text())["skipped"] == ["r"]
    from styletalk_renderer.batch import preview_writer, render_writer

    writers = {"preview": preview_writer(), "render": render_writer(shared_path(*RENDERER), "cpu")}
    summary = run_batch(
        manifest(rows[:1], ",image"), folder / "ray", BatchSettings(workers=2, engine="ray"), writers=writers
    )
    assert summary.done == ["r"]
    for name in ("preview.mp4", "render.mp4"):  # made on the workers, the same pictures
        here, there = _video(out / "r" / name), _video(folder / "ray" / "r" / name)
        assert here[1] == there[1] == ["audio", "video"] and here[0].shape == there[0].shape
        assert np.abs(here[0].astype(int) - there[0]).mean() < 1.0, name  # threads apart, same pictures


@pytest.mark.slow
def test_sigterm_on_a_ray_batch_is_one_line_and_leaves_no_process(takes):
    """Ray installs its own SIGTERM handlers on joining (exit 15, a native stack dump on stderr): the
    CLI's is put back, so a stop is the same one line as on the local engine, and the local cluster
    started for the batch goes with it."""
    pytest.importorskip("ray", reason="the Ray engine needs the [cluster] extra (ray)")
    folder, manifest = takes
    rows = [f"t{i},line{i % 4}.wav,,calm.mat,,curves" for i in range(12)]
    argv = ["batch", str(manifest(rows)), "-o", str(folder / "out"), "--engine", "ray", "--progress", "lines"]
    proc = subprocess.Popen(
        [sys.executable, "-I", "-m", "styletalk_core.cli", *argv, "--threads", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    for line in proc.stdout:
        if line.startswith("stage takes"):
            break
    time.sleep(1.0)  # the cluster's workers at work
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 130 and proc.stderr.read().splitlines() == ["styletalk batch: interrupted"]
    assert not _running_in_group(proc.pid)


def test_ray_is_sent_each_input_file_once():
    """Takes sharing an audio file share one object in Ray's store (the driver holds references, not
    a copy of the file per take)."""
    from styletalk_core.batch.cluster import _Store

    class Ray:
        def __init__(self):
            self.put_sizes = []

        def put(self, data):
            self.put_sizes.append(len(data))
            return f"ref{len(self.put_sizes)}"

    ray = Ray()
    store = _Store(ray)
    refs = [store(HELLO) for _ in range(200)] + [store(Path(__file__))]
    assert ray.put_sizes == [HELLO.stat().st_size, Path(__file__).stat().st_size]
    assert set(refs) == {"ref1", "ref2"}


def test_a_render_goes_to_a_gpu_worker_when_the_cluster_has_one():
    from styletalk_core.batch import Writer
    from styletalk_core.batch.cluster import resources

    render, preview = Writer(print, gpu=True), Writer(print)
    assert resources(render, {"CPU": 16.0, "GPU": 2.0}) == {"num_gpus": 1}
    assert resources(render, {"CPU": 16.0}) == {"num_cpus": 1}
    assert resources(preview, {"CPU": 16.0, "GPU": 2.0}) == {"num_cpus": 1}


def test_takes_of_one_style_are_generated_together_in_units_any_engine_splits_alike():
    from styletalk_core.batch.work import UNIT_TAKES, Job, units
    from styletalk_core.formats.labelling import LabelOptions

    def job(i: int, style: str) -> Job:
        return Job(f"t{i}", f"{i}.wav", LabelOptions(), (), (), style, GenerateSettings(), None, None)

    jobs = [job(i, "calm" if i % 3 else "wild") for i in range(200)]
    split = units(jobs)
    assert all(len({j.style_key for j in u}) == 1 and len(u) <= UNIT_TAKES for u in split)
    assert sorted(j.id for u in split for j in u) == sorted(j.id for j in jobs)
    assert all([int(j.id[1:]) for j in u] == sorted(int(j.id[1:]) for j in u) for u in split)  # manifest order
    assert len(units(jobs[:20])) == 20  # few takes: one a unit, so every worker has work
    assert units(jobs) == split


@pytest.mark.slow
def test_takes_generated_together_match_them_one_by_one():
    from styletalk_core.formats.style import StyleSpec
    from styletalk_core.inference import load_model, style_code
    from styletalk_core.model.generate import generate_expression, generate_expressions

    generator = load_model()
    code = style_code(generator, [StyleSpec("preset:happy")], [None], 1.0)
    rng = np.random.default_rng(0)
    takes = [np.concatenate([np.zeros(20, int), rng.integers(1, 40, size=n), np.zeros(9, int)]) for n in (40, 7, 90)]
    together = generate_expressions(generator.model, takes, code)
    for ids, exp in zip(takes, together, strict=True):
        assert exp.shape == (len(ids), 64)
        np.testing.assert_allclose(exp, generate_expression(generator.model, ids, code), atol=1e-5)


@pytest.mark.slow
def test_a_stylised_character_takes_its_placed_landmarks(blender, shared, takes):
    from styletalk_core.meshio import read_character

    folder, manifest = takes
    robot = shared_path("characters", "RobotExpressive.glb")
    marks = REPO / "benchmarks" / "landmarks" / "RobotExpressive.json"
    rows = [
        f"r,line0.wav,,calm.mat,,glb,{robot},{marks}",
        f"n,line1.wav,,calm.mat,,glb,{robot},",
        f"x,line1.wav,,calm.mat,,curves,,{marks}",
    ]
    summary = run_batch(manifest(rows, ",character,landmarks"), folder / "out", BatchSettings(workers=1))
    assert summary.done == ["r"] and [f["id"] for f in summary.failed] == ["n", "x"]
    assert "place landmarks" in summary.failed[0]["reason"]  # the same robot without them: no face
    assert "give the character field" in summary.failed[1]["reason"]
    glb = folder / "out" / "r" / "character.glb"  # its own targets are animated: written by Blender's exporter
    head = next(p for p in read_character(glb).parts if p.name == "Head")
    assert {n.rsplit("_", 1)[0] for n in head.target_names} >= {f"exp{i:02d}" for i in range(64)}
    from ..gltf_clients import node_reader

    assert node_reader("validate", glb)[0]["errors"] == 0


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


@pytest.mark.slow
def test_a_ray_address_that_does_not_answer_is_one_line_at_once(takes, capsys):
    """`--address nonsense` was a traceback and a dead address waited ten minutes (#39 classes 4, 7)."""
    pytest.importorskip("ray", reason="the Ray engine needs the [cluster] extra (ray)")
    folder, manifest = takes
    path = manifest(GOOD[:1])
    for address, says in (("nonsense", "is HOST:PORT"), ("127.0.0.1:1", "no Ray cluster answers there")):
        t0 = time.monotonic()
        argv = ["batch", str(path), "-o", str(folder / "out"), "--engine", "ray", "--address", address]
        assert main([*argv, "--progress", "none"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0] and time.monotonic() - t0 < 30, err
