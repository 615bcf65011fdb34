"""One bar for a command's stages (formats/progress.py): each stage's (done, total) on its part of the
bar."""

from styletalk_core.formats.progress import STEPS, reached, stage


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
