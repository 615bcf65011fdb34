"""The one table of output kinds (formats/outputs.py): a curves-only format added in one place (here a
throwaway TSV, registered by the test) is offered by `styletalk export` and written into a batch
take's folder with nothing else touched; every module lists and writes outputs through the table,
none keeps a list of kind names of its own."""

import ast
import csv
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.curves import Curves, load_curves
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.outputs import KINDS, OutputKind, register, write_output

from ..conftest import REPO

HELLO = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"


def _write_tsv(curves: Curves, path: Path, source: str) -> None:
    with open(path, "w", newline="") as f:
        csv.writer(f, delimiter="\t").writerows([[t, *row] for t, row in enumerate(curves.exp.tolist())])


@pytest.fixture
def tsv():
    register(OutputKind("tsv", "curves.tsv", "tab-separated exp values, a row per frame", _write_tsv))
    yield KINDS["tsv"]
    del KINDS["tsv"]


def _curves(tmp_path: Path) -> Path:
    path = tmp_path / "c.npz"
    Curves(exp=np.arange(5 * 64, dtype=np.float32).reshape(5, 64) / 100, fps=30.0).save(path)
    return path


def test_a_format_added_to_the_table_is_offered_by_export(tsv, tmp_path, capsys):
    curves = _curves(tmp_path)
    assert main(["export", "--curves", str(curves), "--format", "tsv", "-o", str(tmp_path / "x.tsv")]) == 0
    rows = list(csv.reader(open(tmp_path / "x.tsv"), delimiter="\t"))
    assert len(rows) == 5 and float(rows[4][64]) == pytest.approx(load_curves(curves).exp[4, 63])
    assert main(["export", "--curves", str(curves), "--format", "tsv", "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tsv (tab-separated exp values" in err[0] and "is written as .tsv" in err[0]


def test_unknown_kinds_and_missing_poses_are_one_line_naming_the_table(tmp_path):
    curves = load_curves(_curves(tmp_path))
    with pytest.raises(InputError, match=r"unknown output 'usd'; outputs are curves, npy, csv, json"):
        write_output(curves, tmp_path / "x.usd", "usd")
    with pytest.raises(InputError, match="has no pose; npy"):
        write_output(curves, tmp_path / "x.npy", "npy")
    assert not list(tmp_path.glob("x*"))


@pytest.mark.slow
def test_a_format_added_to_the_table_is_a_batch_output(tsv, tmp_path):
    from styletalk_core.batch import run_batch
    from styletalk_core.settings import BatchSettings

    with wave.open(str(HELLO)) as w, wave.open(str(tmp_path / "line.wav"), "wb") as out:
        out.setparams(w.getparams())
        out.writeframes(w.readframes(int(1.5 * w.getframerate())))
    manifest = tmp_path / "takes.jsonl"
    manifest.write_text(json.dumps({"id": "a", "audio": "line.wav", "style": "preset:happy", "outputs": ["tsv"]}))
    summary = run_batch(manifest, tmp_path / "out", BatchSettings(workers=1))
    assert summary.done == ["a"]
    assert sorted(p.name for p in (tmp_path / "out" / "a").iterdir()) == ["curves.tsv", "take.json"]


def _literal_kind_lists(path: Path, names: set[str]) -> list[int]:
    """Lines of `path` holding a literal tuple, list, set or dict of two or more output kind names."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict) and items:
            strings = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
            if len(set(strings) & names) >= 2:
                lines.append(node.lineno)
    return lines


def test_no_module_keeps_its_own_list_of_output_kinds():
    import styletalk_core.batch  # noqa: F401 (every kind registered)

    # glb and fbx are also the names of character file formats (read, written by Blender's exporters):
    # that table is another concept, so only the other kinds are looked for
    names = {k.name for k in KINDS.values() if not k.character}
    sources = [
        *(REPO / "styletalk_core").rglob("*.py"),
        *(REPO / "blender_addon").rglob("*.py"),
        *(REPO / "renderer").rglob("*.py"),
    ]
    found = {str(p.relative_to(REPO)): _literal_kind_lists(p, names) for p in sources if "node_modules" not in p.parts}
    assert {p: lines for p, lines in found.items() if lines} == {}
