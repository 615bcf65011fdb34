"""`styletalk batch`: a manifest's bad lines on stderr with their line numbers, the exit code saying
some failed, and the summary written beside the takes."""

import json

from styletalk_core.cli import main


def test_a_failed_line_is_on_stderr_in_the_summary_and_in_the_exit_code(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.csv").write_text(
        "id,audio,transcript,style,style_weights,outputs\na,none.wav,,preset:happy,,curves\nb,x.wav,,,,curves\n"
    )
    assert main(["batch", "m.csv", "-o", "out", "--progress", "none"]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == "styletalk batch: m.csv:2: a: audio 'none.wav' is not a file" and "m.csv:3: b:" in err[1]
    assert "0 takes done, 0 skipped (current), 2 failed (summary.json)" in captured.out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["done"] == [] and [f["line"] for f in summary["failed"]] == [2, 3]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.json"]  # no take's folder
