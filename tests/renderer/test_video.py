"""A render's inputs: the reference image's rules and bad input refused before work."""

from styletalk_renderer.video import (
    load_reference_image,
)

from ..conftest import official_sample, shared_path
from .conftest import _case_curves, _render


def test_reference_image_rules(tmp_path):
    from PIL import Image

    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (300, 200), (10, 20, 30, 0)).save(rgba)
    img = load_reference_image(rgba)
    assert img.shape == (256, 256, 3) and tuple(img[0, 0]) == (10, 20, 30)
    gray = tmp_path / "gray.png"
    Image.new("L", (256, 256), 77).save(gray)
    assert (load_reference_image(gray) == 77).all()


def test_render_bad_inputs(shared, tmp_path, renderer_case, capsys):
    good_img = official_sample(str(renderer_case["source_image_file"]))
    ckpt = shared_path("parity", "renderer_random_ckpt.pth")
    curves = _case_curves(tmp_path, renderer_case)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cases = [
        (curves, tmp_path / "missing.png", ckpt, "missing.png"),
        (curves, corrupt, ckpt, "corrupt.png"),
        (curves, good_img, shared_path("parity", "styletalk_random_ckpt.pth"), "generator checkpoint"),
        (_case_curves(tmp_path, renderer_case, pose=False), good_img, ckpt, "no pose"),
    ]
    for c, img, r, needle in cases:
        rc, out = _render(tmp_path, c, img, r)
        err = capsys.readouterr().err.strip()
        assert rc == 2 and needle in err and len(err.splitlines()) == 1, err
        assert not out.exists() and not list(tmp_path.glob(".bad.mp4*"))
