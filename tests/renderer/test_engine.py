"""The OpenVINO engine: the official network's output within the parity tolerance, the same frames as
PyTorch through the render loop, and which engine `auto` picks."""

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from styletalk_renderer.checkpoint import load_renderer
from styletalk_renderer.engine import choose_engine
from styletalk_renderer.video import render_frames, to_uint8

from styletalk_core.formats.errors import InputError
from styletalk_core.settings import AUTO_MIN_FRAMES

from ..conftest import CACHE, load_npz, shared_path

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


@pytest.fixture(scope="module")
def case(shared):
    return load_npz("parity", "renderer_case1.npz")


@pytest.fixture(scope="module")
def compiled(shared):
    ov = pytest.importorskip("openvino", reason="openvino is not installed (the [cpu] extra)")
    from styletalk_renderer.engine import OpenVinoGenerator

    def openvino_version():
        return ov.__version__

    # the run's own cache (tests/conftest.py): converted once per test run, by whichever test comes first
    return OpenVinoGenerator(load_renderer(shared_path("parity", "renderer_random_ckpt.pth")), threads=2)


@pytest.mark.slow
def test_openvino_matches_official(compiled, case):
    src = torch.from_numpy(case["source_image"])[None].expand(3, -1, -1, -1)
    fake = compiled(src, torch.from_numpy(case["driving_windows"]))["fake_image"]
    assert fake.shape == case["fake_image"].shape and torch.isfinite(fake).all()
    assert np.abs(fake.numpy() - case["fake_image"]).max() <= 1e-4
    diff = np.abs(to_uint8(fake).numpy().astype(int) - case["frames_uint8"])
    assert diff.max() <= 1 and (diff > 0).mean() <= 1e-4


@pytest.mark.slow
def test_openvino_render_loop_matches_torch(shared, compiled, case):
    net = load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))
    seq = case["coeff_seq"][:3]
    exact = np.concatenate(list(render_frames(net, case["source_image_uint8"], seq, batch=2)))
    got = list(render_frames(compiled, case["source_image_uint8"], seq, batch=2))  # a full batch, then one
    assert [len(b) for b in got] == [2, 1]
    assert np.abs(np.concatenate(got).astype(int) - exact).max() <= 1


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["model.bin truncated", "model.bin missing"])
def test_a_damaged_cache_entry_is_named_and_rebuilt(shared, compiled, case, damage, tmp_path, monkeypatch, caplog):
    """A copy of this run's cache entry, damaged: the render names it in one warning, converts again,
    renders right and leaves a good entry. (The conversion is the cached graph here: converting for real
    is what the other tests do; this one is about the cache.)"""
    import openvino as ov
    from styletalk_renderer import engine

    net = load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))
    good = Path(CACHE) / "openvino" / engine.model_key(net, ov.__version__)
    entry = tmp_path / "openvino" / good.name
    shutil.copytree(good, entry)
    binary = entry / "model.bin"
    binary.write_bytes(binary.read_bytes()[:1000]) if damage.endswith("truncated") else binary.unlink()
    monkeypatch.setattr(engine, "_convert", lambda model: ov.Core().read_model(good / "model.xml"))
    with caplog.at_level(logging.WARNING, "styletalk.renderer"):
        rebuilt = engine.OpenVinoGenerator(net, threads=2, cache=tmp_path)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and str(entry) in warnings[0] and "damaged" in warnings[0], warnings
    assert not rebuilt.from_cache and json.loads((entry / "checksums.json").read_text()) == engine._digests(entry)
    src = torch.from_numpy(case["source_image"])[None]
    fake = rebuilt(src, torch.from_numpy(case["driving_windows"][:1]))["fake_image"]
    assert np.abs(fake.numpy() - case["fake_image"][:1]).max() <= 1e-4


@pytest.mark.slow
def test_a_cache_that_cannot_be_written_still_renders(shared, compiled, case, tmp_path, monkeypatch, caplog):
    import openvino as ov
    from styletalk_renderer import engine

    net = load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))
    good = Path(CACHE) / "openvino" / engine.model_key(net, ov.__version__)
    monkeypatch.setattr(engine, "_convert", lambda model: ov.Core().read_model(good / "model.xml"))
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, "styletalk.renderer"):
        gen = engine.OpenVinoGenerator(net, threads=2, cache=blocked)
    assert "not written" in caplog.text and "rendering with this conversion" in caplog.text
    fake = gen(torch.from_numpy(case["source_image"])[None], torch.from_numpy(case["driving_windows"][:1]))
    assert np.abs(fake["fake_image"].numpy() - case["fake_image"][:1]).max() <= 1e-4


@pytest.mark.slow
def test_conversion_is_cached_per_weights(shared, compiled, case):
    """The fixture's conversion went to this run's cache (or came from it): the next one loads it."""
    import openvino as ov
    from styletalk_renderer.engine import OpenVinoGenerator, cache_dir, model_key

    def checkpoint():
        return load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))

    assert cache_dir() == Path(CACHE)
    again = OpenVinoGenerator(checkpoint(), threads=2)
    assert again.from_cache
    entries = list((Path(CACHE) / "openvino").iterdir())  # one folder, named by the key, no temporary left
    assert [p.name for p in entries] == [model_key(checkpoint(), ov.__version__)]
    src = torch.from_numpy(case["source_image"])[None].expand(3, -1, -1, -1)
    loaded = again(src, torch.from_numpy(case["driving_windows"]))["fake_image"]
    # fp32 weights kept as they are: the official output within its tolerance
    assert np.abs(loaded.numpy() - case["fake_image"]).max() <= 1e-4
    assert np.abs(to_uint8(loaded).numpy().astype(int) - case["frames_uint8"]).max() <= 1
    changed = checkpoint()
    with torch.no_grad():
        changed.editing_net.decoder.final.model[0].bias += 0.1
    key = model_key(checkpoint(), "2026.1")
    assert model_key(changed, "2026.1") != key != model_key(checkpoint(), "2026.2")  # weights, OpenVINO


def test_auto_picks_openvino_only_where_it_pays():
    try:
        import openvino  # noqa: F401

        fast = "openvino"
    except ImportError:
        fast = "torch"
    assert choose_engine("auto", CPU, None, AUTO_MIN_FRAMES) == fast
    assert choose_engine("auto", CPU, None, AUTO_MIN_FRAMES - 1) == "torch"  # set-up would cost more
    assert choose_engine("auto", CUDA, None, 10_000) == "torch"
    assert choose_engine("auto", CPU, torch.bfloat16, 10_000) == "torch"
    assert choose_engine("auto", CPU, None, 10_000, compile=True) == "torch"
    assert choose_engine("torch", CPU, None, 10_000) == "torch"


@pytest.mark.parametrize(
    ("device", "dtype", "compile", "needle"),
    [(CUDA, None, False, "runs on the CPU"), (CPU, torch.bfloat16, False, "fp32"), (CPU, None, True, "--compile")],
)
def test_openvino_refuses_what_it_cannot_do(device, dtype, compile, needle):
    with pytest.raises(InputError, match=needle):
        choose_engine("openvino", device, dtype, 100, compile)
    with pytest.raises(InputError, match="unknown engine"):
        choose_engine("onnx", CPU, None, 100)


def test_auto_falls_back_to_torch_when_openvino_cannot_compile(shared, monkeypatch, caplog):
    import styletalk_renderer.engine as engine

    def broken(model):
        raise RuntimeError("Exception from src/inference: unsupported\nmore detail")

    monkeypatch.setattr(engine, "OpenVinoGenerator", broken)
    net = load_renderer(shared_path("parity", "renderer_random_ckpt.pth"))
    assert isinstance(engine.inference_generator(net, "openvino", fallback=True), torch.nn.Module)
    assert "rendering with PyTorch" in caplog.text and "unsupported" in caplog.text
    with pytest.raises(InputError, match="OpenVINO could not compile the renderer: Exception from src/inference"):
        engine.inference_generator(net, "openvino")
