"""A training run's state: where its latest checkpoint goes, a fresh start, and a resume that restores
the step, the best score, the optimiser and the network exactly; the best file only when improved."""

import numpy as np
import torch

from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.training.config import TrainConfig
from styletalk_core.training.state import last_checkpoint, save_run, start_run

SMALL = StyleTalkConfig(d_model=16, nhead=2, dim_feedforward=32, content_layers=1, style_layers=1, decoder_layers=1)


def test_the_latest_state_sits_beside_the_best(tmp_path):
    assert last_checkpoint(tmp_path / "model.pth") == tmp_path / "model.last.pth"


def test_a_resumed_run_is_the_run_that_was_saved(tmp_path):
    torch.manual_seed(0)
    cfg, out = TrainConfig(), tmp_path / "model.pth"
    run = start_run(SMALL, cfg, None, torch.device("cpu"), [])
    assert run.step == 0 and run.saved is None and run.fitted == {}
    run.model.train()
    loss = sum(p.float().pow(2).sum() for p in run.model.parameters())
    loss.backward()
    run.optimizer.step()
    run.step, run.best = 7, 0.25
    save_run(run, out, improved=False, note="kept")
    assert last_checkpoint(out).exists() and not out.exists()  # not improved: no best file
    save_run(run, out, improved=True)
    assert out.read_bytes() == last_checkpoint(out).read_bytes()
    resumed = start_run(SMALL, cfg, out, torch.device("cpu"), [])
    assert (resumed.step, resumed.best) == (7, 0.25)
    for a, b in zip(run.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    state = resumed.optimizer.state_dict()["state"]
    assert state and all(np.isfinite(s["exp_avg"].numpy()).all() for s in state.values())
