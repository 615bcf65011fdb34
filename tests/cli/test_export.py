"""`styletalk export`: each kind the output table offers written from a curves file, and an error no check
foresaw is one line with the details in a log."""

import os
import sys

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.cli.export import _kinds
from styletalk_core.formats.curves import load_curves


@pytest.mark.parametrize("kind", [k for k in _kinds() if k.name != "curves"], ids=lambda k: k.name)
def test_every_kind_the_table_offers_is_written_from_curves(kind, tmp_path, capsys):
    rng = np.random.default_rng(0)
    curves = tmp_path / "c.npz"
    np.savez(curves, exp=rng.normal(size=(6, 64)).astype(np.float32), pose=np.zeros((6, 9), np.float32),
             fps=np.float32(30))  # fmt: skip
    out = tmp_path / f"out{kind.suffix}"
    assert main(["export", "--curves", str(curves), "--format", kind.name, "-o", str(out)]) == 0
    assert out.stat().st_size > 0 and f"wrote {out}" in capsys.readouterr().out
    assert load_curves(curves).frames == 6  # the input is left as it was


def test_an_error_no_check_foresaw_is_one_line_with_the_details_in_a_log(monkeypatch, capsys):
    import styletalk_core.cli.export as export

    def broken(args):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(export, "run", broken)
    monkeypatch.setattr(sys, "argv", ["styletalk"])
    from styletalk_core.cli import build_parser

    assert build_parser().parse_args(["export", "--curves", "x", "--format", "csv", "-o", "y"]).func is broken
    code = main(["export", "--curves", "x.npz", "--format", "csv", "-o", "y.csv"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, err
    assert err.startswith("styletalk export: error: unexpected RuntimeError: a bug\\nover two lines (details: ")
    log = err.rsplit("(details: ", 1)[1].rstrip(")")
    assert "Traceback (most recent call last)" in open(log).read()
    os.unlink(log)
