"""`styletalk train` writes a checkpoint that resumes and evaluates (the README's command)."""

import json

import numpy as np
import pytest
import scipy.io

from styletalk_core.cli import main


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
