"""retarget.framing: the detector's views, the whole face part first, then its head."""

import numpy as np

from styletalk_core.retarget.framing import windows


def test_a_standing_figure_is_searched_whole_then_head_first():
    rng = np.random.default_rng(0)
    body = rng.uniform([-0.2, 0.0], [0.2, 1.5], (4000, 2))  # torso and legs
    arms = rng.uniform([-0.9, 1.3], [0.9, 1.4], (2000, 2))  # arms out at the shoulders
    head = rng.uniform([0.35, 1.5], [0.55, 1.75], (800, 2))  # a head off the body's axis
    views = windows(np.concatenate([body, arms, head]))
    assert views[0].name == "whole part" and views[0].half > 0.85
    top = views[1]
    assert top.name == "top 15%" and abs(top.cy - (1.75 - 0.15 * 1.75 / 2)) < 1e-3
    assert abs(top.cx - 0.45) < 0.05 and top.half < 0.2  # on the head, not the arms' middle
    assert [v.name for v in views[:3]] == ["whole part", "top 15%", "top 30%"]
    assert all(v.half < views[0].half for v in views[1:])
    assert len(windows(np.concatenate([body, arms, head]), full=False)) == 3


def test_a_flat_or_head_only_part_gets_the_whole_view():
    flat = np.stack([np.linspace(0, 1, 50), np.zeros(50)], 1)
    assert [v.name for v in windows(flat)] == ["whole part"]
