"""`styletalk batch` run locally: a changed style redoes only its takes; SIGTERM mid-batch stops within
2 s leaving no partial file and no process; a take that cannot be written or fails at work time is its
own line; characters, previews and Blender's import of a batch; an unforeseen error is one line."""

import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from styletalk_core.batch import run_batch
from styletalk_core.cli import main
from styletalk_core.settings import BatchSettings

from ..conftest import REPO, shared_path
from .conftest import GOOD, HELLO, _files, _running_in_group


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


def test_a_take_that_fails_at_work_time_is_on_stderr_named_by_its_folder(takes, monkeypatch, capsys):
    """A full disk while a take is written: exit 1, the take's line on stderr as it fails, the reason
    naming the take's folder (not a temporary file); the other takes are done."""
    import errno

    from styletalk_core.formats.curves import Curves

    folder, manifest = takes
    real = Curves.save

    def full_disk(self, path, *a, **k):
        if "/b/" in str(path):  # as numpy's write would fail: no file name in the error
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, path, *a, **k)

    monkeypatch.setattr(Curves, "save", full_disk)
    rows = ["a,line0.wav,,preset:happy,,curves", "b,line1.wav,,preset:happy,,curves"]
    out = folder / "out"
    assert main(["batch", str(manifest(rows)), "-o", str(out), "--progress", "none", "--threads", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(f"takes.csv:3: b: {out / 'b'}: cannot write: No space left on device")
    assert (out / "a" / "curves.npz").is_file() and not (out / "b").exists()
