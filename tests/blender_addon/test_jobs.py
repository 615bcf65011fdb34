"""The add-on's jobs: the command a Generate request runs, and the CLI run as a job and as a retarget that
reports, cancels and leaves nothing."""

import json
import sys
import time
import wave

import numpy as np
import pytest
from styletalk_addon.styletalk import jobs  # the add-on's pure modules, from its source: no bpy import

from .. import hostile


def test_generate_request_picks_labels_or_audio():
    labels = jobs.GenerateRequest("py", "a_seq.json", ["s.mat"], "o.npz").command()
    audio = jobs.GenerateRequest("py", "voice.WAV", ["preset:sad"], "o.npz", strength=2.0).command()
    assert labels[:4] == ["py", "-P", "-m", "styletalk_core.cli"]  # -P: nothing from the working folder
    assert labels[5:7] == ["--phonemes", "a_seq.json"] and audio[5:7] == ["--audio", "voice.WAV"]
    assert audio[audio.index("--style-strength") + 1] == "2.0" and audio[-2:] == ["-o", "o.npz"]
    assert jobs.GenerateRequest("py", "A_SEQ.JSON", [], "o").speech_is_labels
    assert not jobs.GenerateRequest("py", "voice.json.wav", [], "o").speech_is_labels
    dashed = jobs.GenerateRequest("py", "-take2.wav", ["-style.mat"], "-out.npz").command()
    assert "./-take2.wav" in dashed and "./-style.mat" in dashed and dashed[-1] == "./-out.npz"
    said = jobs.GenerateRequest(
        "py", "hola.wav", ["s.mat"], "o.npz", transcript="-Hola", language="es", sync_offset_ms=40.0
    )
    assert {"--transcript=-Hola", "--language=es", "--sync-offset=40.0"} <= set(said.command())
    assert "--no-lip-closure" not in said.command()
    assert "--no-lip-closure" in jobs.GenerateRequest("py", "a.wav", ["s.mat"], "o.npz", lip_closure=False).command()
    labelled = jobs.GenerateRequest("py", "a_seq.json", ["s.mat"], "o.npz", transcript="hola", language="es").command()
    assert not [a for a in labelled if a.startswith(("--transcript", "--language"))]  # labels are labelled already


@pytest.mark.slow
def test_generate_job_runs_the_cli(shared, tmp_path, monkeypatch):
    """Also from a working folder holding modules named like the ones the toolkit imports: none runs."""
    from ..conftest import shared_path

    ran = hostile.plant_modules(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "work")  # Blender's working folder, or the .blend's

    phon = tmp_path / "p_seq.json"
    phon.write_text(json.dumps([31] * 3 + [2] * 30 + [31] * 3))
    req = jobs.GenerateRequest(
        python=sys.executable,
        speech=str(phon),
        styles=[str(shared_path("parity", "styletalk_case1_style.mat"))],
        checkpoint=str(shared_path("parity", "styletalk_random_ckpt.pth")),
        output=str(tmp_path / "out.npz"),
    )
    job = jobs.GenerateJob(req)
    while (status := job.poll()) is None:
        time.sleep(0.05)
    assert status == "ok" and job.fraction == 1.0
    bad = jobs.GenerateJob(
        jobs.GenerateRequest(sys.executable, str(tmp_path / "nope.json"), ["x.mat"], str(tmp_path / "o2.npz"))
    )
    while (status := bad.poll()) is None:
        time.sleep(0.05)
    assert "nope.json" in status and "not found" in status
    assert not ran.exists(), ran.read_text()


@pytest.mark.slow
def test_retarget_job_reports_cancels_and_leaves_nothing(tmp_path):
    """The add-on's Any Character jobs: a bad mesh is the toolkit's one line; Esc stops a running job
    before anything is written."""
    from styletalk_addon.styletalk.formats.character import Character, Part, save_character

    cube = tmp_path / "cube.npz"
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float64)
    save_character(Character("cube", [Part("cube", v, np.array([[0, 1, 2], [0, 2, 3]]), np.eye(4))]), cube)
    job = jobs.RetargetJob(jobs.RetargetRequest(sys.executable, str(cube), str(tmp_path / "o.npz")))
    status = job.wait()
    assert "no face found" in status and not (tmp_path / "o.npz").exists()
    running = jobs.RetargetJob(jobs.RetargetRequest(sys.executable, str(cube), str(tmp_path / "o2.npz")))
    running.cancel()
    assert running.poll() is not None and not (tmp_path / "o2.npz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.npz"]


@pytest.mark.slow
@pytest.mark.timing
def test_generate_job_on_long_audio_cancels_within_two_seconds_leaving_no_process(shared, tmp_path):
    """Esc during Generate on 400 s of speech: the toolkit and its labelling workers are gone within 2 s."""
    from ..conftest import labelled_clips

    with wave.open(str(labelled_clips()[0][0])) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16)
    speech = tmp_path / "long.wav"
    with wave.open(str(speech), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.resize(pcm, 400 * rate).tobytes())
    job = jobs.GenerateJob(jobs.GenerateRequest(sys.executable, str(speech), ["preset:happy"], str(tmp_path / "o.npz")))
    deadline = time.monotonic() + 120
    while job.fraction < 0.08 and job.poll() is None and time.monotonic() < deadline:  # decoded: labelling begins
        time.sleep(0.05)
    time.sleep(1.5)  # the labelling workers are busy
    assert job.poll() is None, "the job ended before it could be cancelled"
    sid = job._proc.pid
    t0 = time.monotonic()
    job.cancel()
    stopped = time.monotonic() - t0
    assert stopped < 2.0 and job.poll() is not None, stopped
    assert hostile.session_processes(sid) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]
