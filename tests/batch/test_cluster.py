"""`styletalk batch --engine ray`: a local Ray cluster gives the same files as one process and worker processes,
renders a take's videos on its workers, sends each input file once, and stops in one line."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from styletalk_core.batch import run_batch
from styletalk_core.cli import main
from styletalk_core.settings import BatchSettings

from .. import hostile
from ..conftest import shared_path
from .conftest import GOOD, HELLO, _cut, _files, _running_in_group, _same_curves


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
    _cut(HELLO, folder / "short.wav", 1.5, 0.1)  # 3 frames
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
