"""`styletalk evaluate` prints its table (the README's command)."""

import pytest

from styletalk_core.cli import main
from styletalk_core.training.dataset import style_labels

from ..conftest import labelled_clips, shared_path


@pytest.mark.slow
def test_evaluate_prints_table(shared, capsys):
    data = shared_path("official_samples", "samples")
    speaker = style_labels(labelled_clips()[0][0].stem)[1]
    assert main(["evaluate", "--data", str(data), "--speakers", speaker]) == 0
    out = capsys.readouterr().out
    for row in ("model", "mean expression", "style-clip mean", "shuffled phonemes", "phoneme ridge"):
        assert row in out
    header = next(line for line in out.splitlines() if line.startswith("method")).split()
    assert header[-4:] == ["r", "r0", "closure", "amplitude"]  # r: best lag within 2 frames; r0: lag 0
    still = next(line for line in out.splitlines() if line.startswith("mean expression")).split()
    assert float(still[-1]) == 0.0  # a mouth held still has no amplitude
    ridge = next(line for line in out.splitlines() if line.startswith("phoneme ridge")).split()
    assert 0.1 < float(ridge[5]) <= 1  # the linear baseline, fitted on the other speakers, follows the speech
    visemes = out.splitlines()[out.splitlines().index("mean mouth opening (px) per viseme") + 1 :]
    assert visemes[0].split()[1] == "B/M/P" and visemes[1].startswith("real")
