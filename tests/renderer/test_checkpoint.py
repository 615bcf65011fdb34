"""Renderer checkpoints: one of another network is named by its keys."""

import numpy as np
import pytest
import torch
from styletalk_renderer.checkpoint import load_renderer
from styletalk_renderer.video import (
    driving_sequence,
)

from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import CheckpointError, InputError


def test_wrong_renderer_checkpoint_names_keys(tmp_path):
    bad = tmp_path / "r.pth"
    torch.save({"net_G_ema": {"mapping_net.first.0.weight": torch.zeros(3)}}, bad)
    with pytest.raises(CheckpointError, match="missing keys"):
        load_renderer(bad)
    with pytest.raises(InputError, match="no pose"):
        driving_sequence(Curves(exp=np.zeros((2, 64))))
