"""Audio -> 30 fps phoneme labels with real pocketsphinx on the official sample audio."""

import json
import logging

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.labelling import LabelOptions
from styletalk_core.formats.labels import SIL, load_phoneme_labels
from styletalk_core.speech.audio import SAMPLE_RATE, load_audio
from styletalk_core.speech.phonemes import frames_from_timeline, phonemes_from_audio
from styletalk_core.speech.sphinx import align, compound_pronunciation, recognise_words

from ..conftest import REPO, labelled_clips, shared_path
from .conftest import _agreement, _write_wav


@pytest.mark.slow
def test_forced_alignment_with_transcript_and_unknown_word(clip, caplog):
    wav, ref = clip
    pcm = load_audio(wav)
    words = recognise_words(pcm.tobytes())
    assert len(words) > 10
    transcript = " ".join(words[:5] + ["qwxzvb"] + words[5:])
    with caplog.at_level(logging.WARNING, logger="styletalk.phonemes"):
        pred = phonemes_from_audio(wav, LabelOptions(transcript))
    assert "qwxzvb" in caplog.text
    assert _agreement(pred, ref) >= 0.6


def test_compound_fallback_for_missing_words():
    lexicon = {"hair": "HH EH R", "styles": "S T AY L Z", "hairs": "HH EH R Z", "tyles": "T AY L Z", "a": "AH"}
    assert compound_pronunciation("hairstyles", lexicon.get) == "HH EH R S T AY L Z"  # fewest pieces
    assert compound_pronunciation("hair", lexicon.get) is None  # a dictionary word is not a compound
    assert compound_pronunciation("ahair", lexicon.get) is None  # one-letter pieces are not used
    assert compound_pronunciation("qwxzvb", lexicon.get) is None


@pytest.mark.slow
@pytest.mark.parametrize("long_audio_s", [1e9, 0.0], ids=["one-pass", "segment-by-segment"])
def test_forced_alignment_with_the_committed_transcripts(shared, long_audio_s):
    """Official labels vs forced alignment with the transcripts in tests/data/transcripts (written
    from the official phone sequences; see the README there): first clip that has one; in one
    pass, and the way long audio is aligned (segments sharing the transcript)."""
    texts = REPO / "tests" / "data" / "transcripts"
    pairs = [(w, lab) for w, lab in labelled_clips() if (texts / f"{w.stem}.txt").exists()]
    if not pairs:
        pytest.skip(f"no transcript in {texts} for the sample clips")
    wav, labels = pairs[0]
    ref = load_phoneme_labels(labels)
    seen = []
    text = (texts / f"{wav.stem}.txt").read_text()
    pred = phonemes_from_audio(
        wav, LabelOptions(text), progress=lambda done, total: seen.append(done / total), long_audio_s=long_audio_s
    )
    assert len(pred) == len(load_audio(wav)) * 30 // SAMPLE_RATE and _agreement(pred, ref) >= 0.9
    assert seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.slow
def test_long_audio_with_a_transcript_labels_the_same_on_worker_processes(shared, monkeypatch):
    """Both passes of segment-by-segment alignment (recognition, then each segment's share) on two
    worker processes give the labels of one process."""
    from styletalk_core.speech import phonemes as P
    from styletalk_core.speech import sphinx

    texts = REPO / "tests" / "data" / "transcripts"
    pairs = [(w, lab) for w, lab in labelled_clips() if (texts / f"{w.stem}.txt").exists()]
    if not pairs:
        pytest.skip(f"no transcript in {texts} for the sample clips")
    wav, _ = pairs[0]
    text = (texts / f"{wav.stem}.txt").read_text()
    from styletalk_core.speech import segments

    for module in (P, segments):  # several segments from one short clip
        monkeypatch.setattr(module, "MAX_SEGMENT", 5 * SAMPLE_RATE)
    calls = []
    real = sphinx.segment_map

    def counted(count):
        calls.append(count)
        return real(count)

    monkeypatch.setattr(P, "segment_map", counted)
    labels = {}
    for threads in (1, 2):
        monkeypatch.setattr(sphinx, "cpu_threads", lambda n=threads: n)
        labels[threads] = phonemes_from_audio(wav, LabelOptions(text), long_audio_s=0.0)
    assert calls[0] >= sphinx.POOL_MIN_SEGMENTS and (labels[1] == labels[2]).all()
    assert (labels[1] != SIL).mean() > 0.5


def test_timeline_sampling_delay():
    timeline = np.array([SIL] * 10 + [5] * 10 + [SIL] * 20)  # phone 5 from 100 to 200 ms
    frames = frames_from_timeline(timeline, 9, delay_s=0.02)
    # frame i samples i/30 s - 20 ms: frames 4 (113 ms) .. 6 (180 ms) are inside
    assert frames.tolist() == [SIL, SIL, SIL, SIL, 5, 5, 5, SIL, SIL]
    assert align(b"", []) == []


@pytest.mark.slow
def test_generate_from_audio(shared, clip, tmp_path):
    wav, _ = clip
    out = tmp_path / "c.npz"
    style = shared_path("parity", "styletalk_case1_style.mat")
    ckpt = shared_path("parity", "styletalk_random_ckpt.pth")
    assert (
        main(["generate", "--audio", str(wav), "--style", str(style), "--checkpoint", str(ckpt), "-o", str(out)]) == 0
    )
    data = np.load(out)
    assert data["exp"].shape[0] == data["phonemes"].shape[0] and json.loads(str(data["meta"]))["audio"].endswith("wav")


def test_audio_cut_off_in_mid_speech_is_labelled_to_its_end(clip, tmp_path):
    """A take trimmed tight (it ends while someone is speaking): the VAD's last region is kept."""
    wav, ref = clip
    pcm = load_audio(wav)
    ends = [e for e in range(90, len(ref)) if (ref[e - 15 : e] != SIL).all()]
    assert ends, "the clip has no 0.5 s of speech to cut in"
    end = ends[len(ends) // 2]
    path = tmp_path / "cut.wav"
    _write_wav(path, pcm[(end - 90) * SAMPLE_RATE // 30 : end * SAMPLE_RATE // 30])
    labels = phonemes_from_audio(path)
    assert len(labels) == 90 and (labels[-15:] != SIL).any()
    assert _agreement(labels, ref[end - 90 : end]) >= 0.5
