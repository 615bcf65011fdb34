"""Training on two processes with torchrun."""

import json
import socket

import numpy as np
import pytest
import scipy.io


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
