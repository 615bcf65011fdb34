"""Project checkpoints: a model of a small config saves and loads strictly, with its style level option
(the official key names: tests/formats/test_checkpoints.py)."""

import dataclasses

import torch

from styletalk_core.model.checkpoint import load_generator, save_generator
from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.model.network import StyleTalk


def _official_keys():
    from ..conftest import shared_path

    lines = shared_path("official_styletalk_state_dict.tsv").read_text().splitlines()[1:]
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines}


def test_small_config_save_load(tmp_path):
    cfg = StyleTalkConfig(
        d_model=64, nhead=4, dim_feedforward=128, content_layers=1, style_layers=1, decoder_layers=2, tail_hidden=32
    )
    torch.manual_seed(0)
    model = StyleTalk(cfg).eval()
    path = tmp_path / "small.pth"
    save_generator(path, model, note="test")
    ckpt = torch.load(path, weights_only=True)
    assert set(ckpt) == {"model_state_dict", "config", "note"}
    loaded = load_generator(path)
    assert loaded.model.config == cfg and not loaded.official
    windows = torch.randint(0, 41, (1, 7, 11))
    clip = torch.randn(1, 256, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(windows, clip), model(windows, clip), rtol=0, atol=0)


def test_style_level_option(tmp_path):
    """style_level: the code ends with the clip's mean over unpadded frames and the output moves with
    it one for one; the official keys are unchanged, so the checkpoint format is the same."""
    cfg = StyleTalkConfig(
        d_model=32, nhead=4, dim_feedforward=64, content_layers=1, style_layers=1, decoder_layers=1, style_level=True
    )
    torch.manual_seed(0)
    model = StyleTalk(cfg).eval()
    assert set(model.state_dict()) == set(StyleTalk(dataclasses.replace(cfg, style_level=False)).state_dict())
    clip, mask = torch.randn(2, 256, 64), torch.zeros(2, 256, dtype=torch.bool)
    mask[1, 100:] = True
    code = model.encode_style(clip, mask)
    assert code.shape == (2, cfg.style_code_dim) == (2, 32 + 64)
    torch.testing.assert_close(code[1, 32:], clip[1, :100].mean(0))
    windows = torch.randint(0, 41, (2, 5, 11))
    with torch.no_grad():
        moved = code.clone()
        moved[:, 32:] += 1.5
        delta = model.decode(windows, moved) - model.decode(windows, code)
    torch.testing.assert_close(delta, torch.full((2, 5, 64), 1.5))
    path = tmp_path / "level.pth"
    save_generator(path, model, style_presets={"a": code[0].detach()})
    loaded = load_generator(path)
    assert loaded.model.config.style_level and loaded.style_presets["a"].shape == (96,)
