"""`styletalk extract-style`: its tracking and fit on the one progress bar."""

import numpy as np

from styletalk_core.cli import main
from styletalk_core.formats.progress import STEPS

from ..conftest import shared_path


def test_extract_style_reports_progress_lines(shared, tmp_path, capsys):
    video = sorted(shared_path("official_samples", "samples", "style_clips", "video").glob("*.mp4"))[0]
    assert main(["extract-style", str(video), "-o", str(tmp_path / "s.mat"), "--progress", "lines"]) == 0
    steps = [int(x.split()[1]) for x in capsys.readouterr().out.splitlines() if x.startswith("progress ")]
    assert len(steps) > 10 and steps[-1] == STEPS and np.all(np.diff(steps) >= 0)
    assert max(np.diff(steps)) <= STEPS * 0.15  # no stage jumps most of the bar at once
