"""The official network reproduced: random-weight official checkpoint vs outputs of the official code."""

import json

import numpy as np
import torch

from styletalk_core.cli import main
from styletalk_core.formats.curves import load_curves
from styletalk_core.formats.labels import phoneme_windows
from styletalk_core.model.generate import crop_and_pad, generate_expression, style_codes
from styletalk_core.style.clip import load_expression

from ..conftest import UNSYNC, shared_path

TOL = 1e-5


def test_loaders_match_official(shared, parity_case):
    np.testing.assert_array_equal(phoneme_windows(parity_case["phoneme_ids"]), parity_case["audio_win"])
    exp = load_expression(shared_path("parity", "styletalk_case1_style.mat"))
    np.testing.assert_array_equal(exp, parity_case["style_exp_raw"])
    clip, mask = crop_and_pad(exp, 256)
    np.testing.assert_array_equal(clip, parity_case["style_clip"])
    np.testing.assert_array_equal(mask, parity_case["style_pad_mask"])


@torch.no_grad()
def test_intermediates_match_official(random_generator, parity_case):
    m = random_generator.model
    content = m.content_encoder(torch.from_numpy(parity_case["audio_win"])[None])
    assert np.abs(content.numpy() - parity_case["content"]).max() <= TOL
    code = m.encode_style(
        torch.from_numpy(parity_case["style_clip"])[None], torch.from_numpy(parity_case["style_pad_mask"])[None]
    )
    assert np.abs(code.numpy() - parity_case["style_code"]).max() <= TOL
    for branch, decoder in enumerate((m.decoder.upper_decoder, m.decoder.lower_decoder)):
        for layer_idx, layer in enumerate(decoder.layers):
            att = layer.linear1.mixing_weights(code)[0].numpy()
            assert np.abs(att - parity_case["dyn_att"][branch, layer_idx]).max() <= TOL
    upper, lower = m.decoder.decoder_features(content, code)
    assert np.abs(upper[0].numpy() - parity_case["upper_dec_out"][0, 5]).max() <= TOL
    assert np.abs(lower[0].numpy() - parity_case["lower_dec_out"][0, 5]).max() <= TOL


def test_exp_matches_official_through_api(shared, random_generator, parity_case):
    code = style_codes(random_generator.model, [load_expression(shared_path("parity", "styletalk_case1_style.mat"))])
    exp = generate_expression(random_generator.model, parity_case["phoneme_ids"], code)
    assert exp.shape == (40, 64)
    assert np.abs(exp - parity_case["exp"]).max() <= TOL


def test_exp_matches_official_through_cli(shared, tmp_path, parity_case):
    phon = tmp_path / "case1_seq.json"
    phon.write_text(json.dumps(parity_case["phoneme_ids"].tolist()))
    out = tmp_path / "case1.npz"
    rc = main(
        [
            "generate",
            "--phonemes",
            str(phon),
            "--style",
            str(shared_path("parity", "styletalk_case1_style.mat")),
            "--checkpoint",
            str(shared_path("parity", "styletalk_random_ckpt.pth")),
            "--sync-offset",
            UNSYNC,  # the network's own timing and mouth
            "--no-lip-closure",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    curves = load_curves(out)
    assert np.abs(curves.exp - parity_case["exp"]).max() <= TOL
    np.testing.assert_array_equal(curves.phonemes, parity_case["phoneme_ids"])
    assert curves.fps == 30 and curves.pose is None


def test_batching_and_single_frame(random_generator, parity_case):
    m = random_generator.model
    code = torch.from_numpy(parity_case["style_code"])
    ids = parity_case["phoneme_ids"]
    full = generate_expression(m, ids, code)
    np.testing.assert_allclose(generate_expression(m, ids, code, batch_frames=3), full, atol=1e-6)
    one = generate_expression(m, ids[10:11], code)  # the official code crashes on T = 1
    assert one.shape == (1, 64) and np.isfinite(one).all()
    # frame-local network: a 1-frame input equals the middle of the same id surrounded by SIL
    padded = np.array([31] * 5 + [ids[10]] + [31] * 5)
    np.testing.assert_allclose(one[0], generate_expression(m, padded, code)[5], atol=1e-6)
