"""The renderer tests' helpers: curves cut from the official parity case, and a render through the CLI."""

from styletalk_core.cli import main
from styletalk_core.formats.curves import Curves


def _case_curves(tmp_path, renderer_case, frames=3, pose=True):
    path = tmp_path / ("c.npz" if pose else "c_no_pose.npz")
    Curves(exp=renderer_case["exp_seq"][:frames], pose=renderer_case["pose_full"][:frames] if pose else None).save(path)
    return path


def _render(tmp_path, curves, image, renderer):
    out = tmp_path / "bad.mp4"
    argv = ["render", "--curves", str(curves), "--image", str(image), "--renderer", str(renderer), "-o", str(out)]
    return main(argv), out
