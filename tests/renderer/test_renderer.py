"""Renderer: official parity (random-weight checkpoint), the mp4 path through the CLI, bad input."""

import numpy as np
import pytest
import torch
from styletalk_renderer.checkpoint import load_renderer
from styletalk_renderer.video import (
    driving_sequence,
    driving_windows,
    image_tensor,
    load_reference_image,
    to_uint8,
    window_indices,
)

from styletalk_core.cli import main
from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import CheckpointError, InputError
from styletalk_core.style.clip import load_pose

from ..conftest import labelled_clips, load_npz, official_sample, requires_native_bf16, shared_path


@pytest.fixture(scope="module")
def case(shared):
    return load_npz("parity", "renderer_case1.npz")


@pytest.fixture(scope="module")
def net(shared):
    return load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))


def test_inputs_match_official(shared, case):
    img = load_reference_image(official_sample(str(case["source_image_file"])))
    np.testing.assert_array_equal(img, case["source_image_uint8"])
    np.testing.assert_array_equal(image_tensor(img).numpy(), case["source_image"])
    pose = load_pose(official_sample(str(case["pose_file"])))
    np.testing.assert_array_equal(pose, case["pose_full"])
    seq = driving_sequence(Curves(exp=case["exp_seq"], pose=pose[:40]))
    np.testing.assert_array_equal(seq, case["coeff_seq"])
    idx = window_indices(40)[case["frame_indices"]]
    np.testing.assert_array_equal(idx, case["window_indices"])
    np.testing.assert_array_equal(driving_windows(seq, idx), case["driving_windows"])


@pytest.mark.slow
@torch.no_grad()
def test_network_matches_official(net, case):
    src = torch.from_numpy(case["source_image"])[None].expand(3, -1, -1, -1)
    out = net(src, torch.from_numpy(case["driving_windows"]))
    assert np.abs(out["descriptor"].numpy() - case["descriptor"][..., 0]).max() <= 1e-4
    assert np.abs(out["flow_field"].numpy() - case["flow_field"]).max() <= 1e-4
    assert np.abs(out["warp_image"].numpy() - case["warp_image"]).max() <= 2e-4
    assert np.abs(out["fake_image"].numpy() - case["fake_image"]).max() <= 1e-4
    frames = to_uint8(out["fake_image"]).numpy().astype(int)
    diff = np.abs(frames - case["frames_uint8"])
    assert diff.max() <= 1 and (diff > 0).mean() <= 1e-4


def _case_curves(tmp_path, case, frames=3, pose=True):
    path = tmp_path / ("c.npz" if pose else "c_no_pose.npz")
    Curves(exp=case["exp_seq"][:frames], pose=case["pose_full"][:frames] if pose else None).save(path)
    return path


@pytest.mark.slow
def test_render_cli_writes_mp4_with_audio(shared, tmp_path, case):
    import av

    out = tmp_path / "render.mp4"
    wav = labelled_clips()[0][0]
    rc = main(
        [
            "render",
            "--curves",
            str(_case_curves(tmp_path, case)),
            "--image",
            str(official_sample(str(case["source_image_file"]))),
            "--renderer",
            str(shared_path("parity", "renderer_random_ckpt.pth")),
            "--audio",
            str(wav),
            "--batch",
            "2",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (256, 256) and v.average_rate == 30
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert len(frames) == 3
        assert len(c.streams.audio) == 1 and c.streams.audio[0].codec_context.name == "aac"
        assert c.streams.audio[0].duration * c.streams.audio[0].time_base <= 0.15  # trimmed to 0.1 s
    # lossy encode: close to the exact frames (PSNR-style bound)
    mse = np.mean((frames[0].astype(float) - case["frames_uint8"][0]) ** 2)
    assert 10 * np.log10(255**2 / mse) > 25


def test_reference_image_rules(tmp_path):
    from PIL import Image

    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (300, 200), (10, 20, 30, 0)).save(rgba)
    img = load_reference_image(rgba)
    assert img.shape == (256, 256, 3) and tuple(img[0, 0]) == (10, 20, 30)
    gray = tmp_path / "gray.png"
    Image.new("L", (256, 256), 77).save(gray)
    assert (load_reference_image(gray) == 77).all()


def _render(tmp_path, curves, image, renderer):
    out = tmp_path / "bad.mp4"
    argv = ["render", "--curves", str(curves), "--image", str(image), "--renderer", str(renderer), "-o", str(out)]
    return main(argv), out


def test_render_bad_inputs(shared, tmp_path, case, capsys):
    good_img = official_sample(str(case["source_image_file"]))
    ckpt = shared_path("parity", "renderer_random_ckpt.pth")
    curves = _case_curves(tmp_path, case)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cases = [
        (curves, tmp_path / "missing.png", ckpt, "missing.png"),
        (curves, corrupt, ckpt, "corrupt.png"),
        (curves, good_img, shared_path("parity", "styletalk_random_ckpt.pth"), "generator checkpoint"),
        (_case_curves(tmp_path, case, pose=False), good_img, ckpt, "no pose"),
    ]
    for c, img, r, needle in cases:
        rc, out = _render(tmp_path, c, img, r)
        err = capsys.readouterr().err.strip()
        assert rc == 2 and needle in err and len(err.splitlines()) == 1, err
        assert not out.exists() and not list(tmp_path.glob(".bad.mp4*"))


def test_bf16_without_native_support_falls_back_to_fp32(monkeypatch, caplog):
    import styletalk_core.device as device

    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: False)
    assert device.autocast_dtype("bf16", torch.device("cpu")) is None
    assert "no native bf16" in caplog.text
    with pytest.raises(InputError, match="CUDA"):
        device.autocast_dtype("fp16", torch.device("cpu"))


def test_wrong_renderer_checkpoint_names_keys(tmp_path):
    bad = tmp_path / "r.pth"
    torch.save({"net_G_ema": {"mapping_net.first.0.weight": torch.zeros(3)}}, bad)
    with pytest.raises(CheckpointError, match="missing keys"):
        load_renderer(bad)
    with pytest.raises(InputError, match="no pose"):
        driving_sequence(Curves(exp=np.zeros((2, 64))))


@pytest.mark.slow
@requires_native_bf16
def test_bf16_autocast_close_to_fp32(net, case):
    from styletalk_renderer.video import render_frames

    seq = case["coeff_seq"][:4]
    exact = np.concatenate(list(render_frames(net, case["source_image_uint8"], seq, 4)))
    fast = np.concatenate(list(render_frames(net, case["source_image_uint8"], seq, 4, torch.bfloat16)))
    diff = np.abs(exact.astype(int) - fast)
    assert diff.mean() < 2.0 and np.percentile(diff, 99) <= 10
