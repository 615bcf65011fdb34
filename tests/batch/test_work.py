"""One take's work: takes of one style are generated together in units any engine splits alike, with the numbers
they have one by one."""

import numpy as np
import pytest

from styletalk_core.settings import GenerateSettings


def test_takes_of_one_style_are_generated_together_in_units_any_engine_splits_alike():
    from styletalk_core.batch.work import UNIT_TAKES, Job, units
    from styletalk_core.formats.labelling import LabelOptions

    def job(i: int, style: str) -> Job:
        return Job(f"t{i}", f"{i}.wav", LabelOptions(), (), (), style, GenerateSettings(), None, None)

    jobs = [job(i, "calm" if i % 3 else "wild") for i in range(200)]
    split = units(jobs)
    assert all(len({j.style_key for j in u}) == 1 and len(u) <= UNIT_TAKES for u in split)
    assert sorted(j.id for u in split for j in u) == sorted(j.id for j in jobs)
    assert all([int(j.id[1:]) for j in u] == sorted(int(j.id[1:]) for j in u) for u in split)  # manifest order
    assert len(units(jobs[:20])) == 20  # few takes: one a unit, so every worker has work
    assert units(jobs) == split


@pytest.mark.slow
def test_takes_generated_together_match_them_one_by_one():
    from styletalk_core.formats.style import StyleSpec
    from styletalk_core.inference import load_model, style_code
    from styletalk_core.model.generate import generate_expression, generate_expressions

    generator = load_model()
    code = style_code(generator, [StyleSpec("preset:happy")], [None], 1.0)
    rng = np.random.default_rng(0)
    takes = [np.concatenate([np.zeros(20, int), rng.integers(1, 40, size=n), np.zeros(9, int)]) for n in (40, 7, 90)]
    together = generate_expressions(generator.model, takes, code)
    for ids, exp in zip(takes, together, strict=True):
        assert exp.shape == (len(ids), 64)
        np.testing.assert_allclose(exp, generate_expression(generator.model, ids, code), atol=1e-5)
