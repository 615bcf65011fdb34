"""Hostile character files: one line and nothing written."""

import pytest

from styletalk_core.cli import main

from .. import hostile


@pytest.mark.slow
def test_hostile_character_files_get_one_line_and_nothing_written(blender, made, tmp_path, capsys):
    work, curves = made
    for name, (path, says) in hostile.character_files(tmp_path, (work / "character.fbx").read_bytes()).items():
        out = tmp_path / f"out_{path.stem}.glb"
        assert main(["retarget", "--mesh", str(path), "--curves", str(curves), "-o", str(out)]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and says in err[0], (name, err)
        assert not out.exists(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind
