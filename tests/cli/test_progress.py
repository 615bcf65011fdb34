"""One bar for a command's stages (formats/progress.py): each stage's (done, total) on its part of the
bar; `extract-style` reports its tracking and fit on it like every long command."""

import numpy as np

from styletalk_core.cli import main
from styletalk_core.formats.progress import STEPS, reached, stage

from ..conftest import shared_path


def test_stages_share_one_bar_and_no_bar_is_fine():
    seen = []
    bar = lambda done, total: seen.append((done, total))  # noqa: E731
    stage(bar, 0.0, 0.9)(45, 100)
    stage(bar, 0.9, 0.1)(1, 4)
    stage(bar, 0.9, 0.1)(9, 4)  # a stage that over-counts stays in its part
    reached(bar, 1.0)
    assert seen == [(405, STEPS), (925, STEPS), (1000, STEPS), (1000, STEPS)]
    stage(None, 0.2, 0.5)(3, 7)
    reached(None, 0.5)


def test_extract_style_reports_progress_lines(shared, tmp_path, capsys):
    video = sorted(shared_path("official_samples", "samples", "style_clips", "video").glob("*.mp4"))[0]
    assert main(["extract-style", str(video), "-o", str(tmp_path / "s.mat"), "--progress", "lines"]) == 0
    steps = [int(x.split()[1]) for x in capsys.readouterr().out.splitlines() if x.startswith("progress ")]
    assert len(steps) > 10 and steps[-1] == STEPS and np.all(np.diff(steps) >= 0)
    assert max(np.diff(steps)) <= STEPS * 0.15  # no stage jumps most of the bar at once
