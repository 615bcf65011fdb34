"""Writing outputs: all of a command's outputs or none, never an empty one, never a special file
replaced, a link written through; the suffix an output needs; inputs hashed by their bytes."""

import os

import pytest

from styletalk_core.formats.errors import InputError, OutputError
from styletalk_core.formats.fileio import (
    atomic_paths,
    check_output_path,
    file_hash,
    input_hash,
    require_file,
    require_suffix,
)


def test_outputs_appear_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.csv"
    b.write_text("kept")
    with pytest.raises(RuntimeError):
        with atomic_paths(a, b) as (ta, tb):
            ta.write_text("new a")
            tb.write_text("new b")
            raise RuntimeError("the writer failed after both")
    assert not a.exists() and b.read_text() == "kept" and sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]
    with pytest.raises(OutputError, match="b.csv: nothing was written"):
        with atomic_paths(a, b) as (ta, tb):
            ta.write_text("a")
            tb.write_text("")
    assert b.read_text() == "kept" and not a.exists()
    with atomic_paths(a, b) as (ta, tb):
        ta.write_text("a")
        tb.write_text("b")
    assert a.read_text() == "a" and b.read_text() == "b" and len(list(tmp_path.iterdir())) == 2


def test_what_cannot_be_an_output_is_one_line(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "file").write_text("x")
    for name, says in [
        ("", "needs a file name"),
        (tmp_path, "is a folder"),
        (tmp_path / "pipe", "not a regular file"),
        (tmp_path / "file" / "below.npz", "is a file, not a folder"),
        (tmp_path / ("n" * 300), "name"),
    ]:
        with pytest.raises(OutputError, match=says):
            check_output_path(name)
    with pytest.raises(OutputError, match="the same file is named for two outputs"):
        with atomic_paths(tmp_path / "x.npz", tmp_path / "." / "x.npz"):
            pass


def test_a_link_is_written_through_and_kept(tmp_path):
    target, link = tmp_path / "real.csv", tmp_path / "link.csv"
    target.write_text("old")
    link.symlink_to(target)
    with atomic_paths(link) as (tmp,):
        tmp.write_text("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_suffixes_files_and_hashes(tmp_path):
    assert require_suffix(tmp_path / "A.CSV", (".csv",), "a table").name == "A.CSV"
    with pytest.raises(OutputError, match="a table is written as .csv or .json"):
        require_suffix(tmp_path / "a.txt", (".csv", ".json"), "a table")
    with pytest.raises(InputError, match="style clip not found"):
        require_file(tmp_path / "none.mat", "style clip", InputError)
    with pytest.raises(InputError, match="style clip is not a file"):
        require_file(tmp_path, "style clip", InputError)
    one, two = tmp_path / "1.bin", tmp_path / "2.bin"
    one.write_bytes(b"same")
    two.write_bytes(b"same")
    assert file_hash(one) == file_hash(two) == input_hash(two, "two")
    with pytest.raises(InputError, match="^shown: cannot be read any more"):
        input_hash(tmp_path / "gone", "shown")
