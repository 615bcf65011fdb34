"""The add-on's batch import: take records that lie are one-line problems, the others imported."""

import json

from .. import hostile


def test_import_batch_skips_take_records_that_lie_and_keeps_the_others(tmp_path):
    """take.json nested 100,000 deep, or with outputs an int or null: that take is a one-line problem,
    the good one is imported (it was a Python traceback inside Blender, and nothing imported)."""
    from styletalk_addon.styletalk.batch import batch_takes

    records = {
        "deep": hostile.deep_list(),
        "int": json.dumps({"outputs": 5}),
        "null": json.dumps({"outputs": None}),
        "good": json.dumps({"outputs": ["curves.npz"]}),
    }
    for name, text in records.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "take.json").write_text(text)
        (tmp_path / name / "curves.npz").write_bytes(b"x")
    takes, problems = batch_takes(str(tmp_path))
    assert [t for t, _ in takes] == ["good"] and len(problems) == 3
    assert "RecursionError" in problems[0] and "as int, not a list" in problems[1] and "as NoneType" in problems[2]
