"""`styletalk evaluate` and `styletalk train` through the CLI (README commands)."""

import json
import socket

import numpy as np
import pytest
import scipy.io

from styletalk_core.cli import main
from styletalk_core.face.face_model import load_face_model
from styletalk_core.training.dataset import style_labels
from styletalk_core.training.evaluate import landmark_distance, shuffle_runs

from ..conftest import labelled_clips, shared_path


def test_landmark_distance_and_shuffle():
    face = load_face_model()
    exp = np.random.default_rng(0).normal(size=(5, 64)).astype(np.float32)
    same = landmark_distance(exp, exp, face)
    assert same.mouth == 0 and same.face == 0 and abs(same.motion - 1) < 1e-6
    moved = exp.copy()
    moved[:, 0] += 1.0  # jaw coefficient: lips move more than the face on average
    d = landmark_distance(moved, exp, face)
    assert d.mouth > d.face > 0 and abs(d.motion - 1) < 1e-4  # a constant offset does not change movement
    still = landmark_distance(np.repeat(exp.mean(0, keepdims=True), 5, 0), exp, face)
    half = landmark_distance(exp.mean(0) + 0.5 * (exp - exp.mean(0)), exp, face)
    assert still.motion < 1e-4 and abs(half.motion - 0.5) < 1e-3
    ids = np.array([1, 1, 2, 2, 2, 3, 4, 4])
    shuffled = shuffle_runs(ids, np.random.default_rng(1))
    assert sorted(shuffled.tolist()) == sorted(ids.tolist())


@pytest.mark.slow
def test_evaluate_prints_table(shared, capsys):
    data = shared_path("official_samples", "samples")
    speaker = style_labels(labelled_clips()[0][0].stem)[1]
    assert main(["evaluate", "--data", str(data), "--speakers", speaker]) == 0
    out = capsys.readouterr().out
    for row in ("model", "mean expression", "style-clip mean", "shuffled phonemes", "phoneme ridge"):
        assert row in out
    header = next(line for line in out.splitlines() if line.startswith("method")).split()
    assert header[-4:] == ["r", "r0", "closure", "amplitude"]  # r: best lag within 2 frames; r0: lag 0
    still = next(line for line in out.splitlines() if line.startswith("mean expression")).split()
    assert float(still[-1]) == 0.0  # a mouth held still has no amplitude
    ridge = next(line for line in out.splitlines() if line.startswith("phoneme ridge")).split()
    assert 0.1 < float(ridge[5]) <= 1  # the linear baseline, fitted on the other speakers, follows the speech
    visemes = out.splitlines()[out.splitlines().index("mean mouth opening (px) per viseme") + 1 :]
    assert visemes[0].split()[1] == "B/M/P" and visemes[1].startswith("real")


@pytest.mark.slow
def test_train_cli_writes_a_checkpoint_that_resumes_and_evaluates(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name in ("spk_a_clip1", "spk_a_clip2", "spk_b_clip1"):
        coeff = np.zeros((80, 257), np.float32)
        coeff[:, 80:144] = rng.normal(size=(80, 64)) * 0.3
        scipy.io.savemat(tmp_path / f"{name}.mat", {"coeff": coeff})
        (tmp_path / f"{name}_seq.json").write_text(json.dumps(rng.integers(0, 41, 80).tolist()))
    out = tmp_path / "m.pth"
    argv = ["train", "--data", str(tmp_path), "--val-speakers", "spk_b", "--steps", "2", "--batch", "2"]
    assert main(argv + ["--val-every", "2", "-o", str(out)]) == 0
    assert "mouth_l1" in capsys.readouterr().out and out.is_file()
    last = tmp_path / "m.last.pth"
    assert (
        main(argv[:-4] + ["--steps", "4", "--batch", "2", "--val-every", "2", "--resume", str(last), "-o", str(out)])
        == 0
    )
    import torch

    assert torch.load(last, weights_only=True)["step"] == 4  # continued from step 2
    assert main(["evaluate", "--data", str(tmp_path), "--speakers", "spk_b", "--checkpoint", str(out)]) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path):
    """Data-parallel training with torchrun (2 CPU processes, gloo): runs, and rank 0 saves."""
    import os
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    for name in ("spk_a_clip1", "spk_b_clip1"):
        coeff = np.zeros((80, 257), np.float32)
        coeff[:, 80:144] = rng.normal(size=(80, 64)) * 0.3
        scipy.io.savemat(tmp_path / f"{name}.mat", {"coeff": coeff})
        (tmp_path / f"{name}_seq.json").write_text(json.dumps(rng.integers(0, 41, 80).tolist()))
    out = tmp_path / "ddp.pth"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        str(free_port()),
        "-m",
        "styletalk_core.cli",
        "train",
        "--data",
        str(tmp_path),
        "--steps",
        "2",
        "--batch",
        "2",
        "--val-every",
        "2",
        "--pretrain-steps",
        "3",
        "--device",
        "cpu",
        "-o",
        str(out),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert out.is_file()
    assert sum('"validation"' in x for x in lines) == 1 and sum(x.startswith('{"mouth_l1"') for x in lines) == 1
