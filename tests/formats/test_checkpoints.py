"""Checkpoints: one from another model, a pickle that would run code and a corrupt file are each one line, and no
output is left."""

import pickle

import torch

from styletalk_core.model.checkpoint import checkpoint_filter_fn, to_official_state_dict
from styletalk_core.model.config import StyleTalkConfig
from styletalk_core.model.network import StyleTalk

from ..conftest import assert_clean_failure, run_generate
from ..model.test_checkpoint import _official_keys


def test_checkpoint_from_another_model(capsys, good, tmp_path):
    other = tmp_path / "renderer_like.pth"
    torch.save({"net_G_ema": {"mapping_net.first.weight": torch.zeros(2)}}, other)
    rc, err = run_generate(capsys, good["phon"], good["style"], other, good["out"])
    assert_clean_failure(rc, err, good["out"], "renderer_like.pth", "renderer")
    wrong = tmp_path / "wrong_shapes.pth"
    torch.save({"model_state_dict": {"content_encoder.ph_embedding.weight": torch.zeros(41, 64)}}, wrong)
    rc, err = run_generate(capsys, good["phon"], good["style"], wrong, good["out"])
    assert_clean_failure(rc, err, good["out"], "wrong_shapes.pth", "missing keys", "mis-shaped")


def test_malicious_pickle_is_refused(capsys, good, tmp_path):
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as f:
        pickle.dump({"model_state_dict": _Exploit()}, f)
    rc, err = run_generate(capsys, good["phon"], good["style"], evil, good["out"])
    assert_clean_failure(rc, err, good["out"], "evil.pth", "refused")
    assert "pwned" not in capsys.readouterr().out
    torch_evil = tmp_path / "evil_torch.pth"
    torch.save({"model_state_dict": _Exploit()}, torch_evil)
    rc, err = run_generate(capsys, good["phon"], good["style"], torch_evil, good["out"])
    assert_clean_failure(rc, err, good["out"], "evil_torch.pth", "refused")


def test_corrupt_checkpoint(capsys, good, tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00not a checkpoint" * 10)
    rc, err = run_generate(capsys, good["phon"], good["style"], junk, good["out"])
    assert_clean_failure(rc, err, good["out"], "junk.pth")


class _Exploit:
    def __reduce__(self):
        return (print, ("pwned by pickle",))


def test_saved_keys_are_official_names_and_shapes():
    official = _official_keys()
    sd = to_official_state_dict(StyleTalk(StyleTalkConfig.official()))
    assert set(sd) == set(official)
    for key, shape in official.items():
        assert list(sd[key].shape) == [int(s) for s in shape.strip("[]").split(",")], key


def test_remap_round_trip_is_identity():
    model = StyleTalk(StyleTalkConfig.official())
    remapped = checkpoint_filter_fn({"model_state_dict": to_official_state_dict(model)})
    ours = model.state_dict()
    assert set(remapped) == set(ours)
    for k, v in ours.items():
        torch.testing.assert_close(remapped[k], v, rtol=0, atol=0)
