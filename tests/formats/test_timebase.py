"""Frame rates: resampling keeps the span and the values between samples, a shift holds the ends, and
sync offsets outside +-2 s are one line."""

import numpy as np
import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.timebase import MAX_ROWS, check_sync_offset, resample, shifted


def test_resampling_keeps_the_span_and_interpolates_between_samples():
    values = np.array([[0.0, 10.0], [3.0, 13.0], [6.0, 16.0]], np.float32)  # a ramp at 30 fps
    times, rows = resample(values, 30.0, 60.0)
    assert len(times) == 5 and times[-1] == pytest.approx(2 / 30)
    np.testing.assert_allclose(rows[:, 0], [0, 1.5, 3, 4.5, 6])
    assert rows.dtype == np.float32
    times, rows = resample(values, 30.0, 24.0)  # the last 24 fps frame falls before the end: not invented
    assert times[-1] <= 2 / 30 and len(rows) == 2


def test_a_resample_over_the_limit_is_one_line_before_it_allocates():
    with pytest.raises(InputError, match="the limit is"):
        resample(np.zeros((2, 1)), 1e-4, 60.0)
    assert MAX_ROWS == 2 * 3600 * 60


def test_a_shift_moves_the_samples_and_holds_the_ends():
    values = np.arange(5, dtype=np.float32)[:, None]
    np.testing.assert_allclose(shifted(values, 1.0)[:, 0], [0, 0, 1, 2, 3])
    np.testing.assert_allclose(shifted(values, -0.5)[:, 0], [0.5, 1.5, 2.5, 3.5, 4])
    assert shifted(values, 0.0) is not values and np.array_equal(shifted(values, 0.0), values)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2001, "10", True, None])
def test_a_sync_offset_is_finite_milliseconds_within_two_seconds(bad):
    assert check_sync_offset(-2000) == -2000.0 and check_sync_offset(33.3) == 33.3
    with pytest.raises(InputError, match="sync_offset: a sync offset is milliseconds"):
        check_sync_offset(bad, "sync_offset")
