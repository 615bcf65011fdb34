"""Where networks run: devices named by the user checked in one line, and the precision each device
can give (bf16 only where the CPU computes it natively)."""

import pytest
import torch

from styletalk_core import device
from styletalk_core.formats.errors import InputError


def test_devices_are_checked_in_one_line():
    assert device.pick_device("cpu") == torch.device("cpu")
    assert device.pick_device(None).type in device.DEVICE_TYPES
    for name, says in [("gpu9", "unknown device"), ("meta", "not supported"), ("mps", "not supported")]:
        with pytest.raises(InputError, match=says):
            device.pick_device(name)
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            device.pick_device("cuda:0")


def test_precisions_each_device_can_give(monkeypatch, caplog):
    cpu = torch.device("cpu")
    assert device.autocast_dtype("fp32", cpu) is None
    with pytest.raises(InputError, match="fp16 needs a CUDA device"):
        device.autocast_dtype("fp16", cpu)
    with pytest.raises(InputError, match="unknown precision 'fp8'"):
        device.autocast_dtype("fp8", cpu)
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: True)
    assert device.autocast_dtype("bf16", cpu) is torch.bfloat16
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: False)
    assert device.autocast_dtype("bf16", cpu) is None and "no native bf16" in caplog.text


def test_a_model_prepared_for_inference_is_channels_last_and_computes_the_same():
    conv = torch.nn.Conv2d(3, 4, 3).eval()
    x = torch.randn(1, 3, 8, 8)
    before = conv(x)
    prepared = device.prepare_for_inference(conv, torch.device("cpu"))
    assert prepared.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(prepared(x), before)
