"""The renderer network: official parity (random-weight checkpoint) and bf16 close to fp32."""

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

from styletalk_core.formats.curves import Curves
from styletalk_core.formats.errors import InputError
from styletalk_core.style.clip import load_pose

from ..conftest import official_sample, requires_native_bf16, shared_path


@pytest.fixture(scope="module")
def net(shared):
    return load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))


def test_inputs_match_official(shared, renderer_case):
    img = load_reference_image(official_sample(str(renderer_case["source_image_file"])))
    np.testing.assert_array_equal(img, renderer_case["source_image_uint8"])
    np.testing.assert_array_equal(image_tensor(img).numpy(), renderer_case["source_image"])
    pose = load_pose(official_sample(str(renderer_case["pose_file"])))
    np.testing.assert_array_equal(pose, renderer_case["pose_full"])
    seq = driving_sequence(Curves(exp=renderer_case["exp_seq"], pose=pose[:40]))
    np.testing.assert_array_equal(seq, renderer_case["coeff_seq"])
    idx = window_indices(40)[renderer_case["frame_indices"]]
    np.testing.assert_array_equal(idx, renderer_case["window_indices"])
    np.testing.assert_array_equal(driving_windows(seq, idx), renderer_case["driving_windows"])


@pytest.mark.slow
@torch.no_grad()
def test_network_matches_official(net, renderer_case):
    src = torch.from_numpy(renderer_case["source_image"])[None].expand(3, -1, -1, -1)
    out = net(src, torch.from_numpy(renderer_case["driving_windows"]))
    assert np.abs(out["descriptor"].numpy() - renderer_case["descriptor"][..., 0]).max() <= 1e-4
    assert np.abs(out["flow_field"].numpy() - renderer_case["flow_field"]).max() <= 1e-4
    assert np.abs(out["warp_image"].numpy() - renderer_case["warp_image"]).max() <= 2e-4
    assert np.abs(out["fake_image"].numpy() - renderer_case["fake_image"]).max() <= 1e-4
    frames = to_uint8(out["fake_image"]).numpy().astype(int)
    diff = np.abs(frames - renderer_case["frames_uint8"])
    assert diff.max() <= 1 and (diff > 0).mean() <= 1e-4


def test_bf16_without_native_support_falls_back_to_fp32(monkeypatch, caplog):
    import styletalk_core.device as device

    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: False)
    assert device.autocast_dtype("bf16", torch.device("cpu")) is None
    assert "no native bf16" in caplog.text
    with pytest.raises(InputError, match="CUDA"):
        device.autocast_dtype("fp16", torch.device("cpu"))


@pytest.mark.slow
@requires_native_bf16
def test_bf16_autocast_close_to_fp32(net, renderer_case):
    from styletalk_renderer.video import render_frames

    seq = renderer_case["coeff_seq"][:2]
    exact = np.concatenate(list(render_frames(net, renderer_case["source_image_uint8"], seq, 2)))
    fast = np.concatenate(list(render_frames(net, renderer_case["source_image_uint8"], seq, 2, torch.bfloat16)))
    diff = np.abs(exact.astype(int) - fast)
    assert diff.mean() < 2.0 and np.percentile(diff, 99) <= 10
