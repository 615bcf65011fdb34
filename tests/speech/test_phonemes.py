"""Audio -> 30 fps phoneme labels with real pocketsphinx on the official sample audio."""

import json
import logging
import wave

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labelling import LabelOptions
from styletalk_core.formats.labels import SIL, load_phoneme_labels
from styletalk_core.speech.audio import SAMPLE_RATE, load_audio
from styletalk_core.speech.phonemes import frames_from_timeline, phonemes_from_audio
from styletalk_core.speech.segments import merge_segments, split_long_region, split_transcript
from styletalk_core.speech.sphinx import align, compound_pronunciation, recognise_words

from ..conftest import REPO, labelled_clips, shared_path


def _agreement(pred, ref):
    n = min(len(pred), len(ref))
    pred, ref = pred[:n], ref[:n]
    padded = np.pad(pred, 1, mode="edge")
    return float(((padded[:-2] == ref) | (padded[1:-1] == ref) | (padded[2:] == ref)).mean())


@pytest.fixture(scope="module")
def clip(shared):
    wav, labels = labelled_clips()[0]
    return wav, load_phoneme_labels(labels)


def _write_wav(path, samples, rate=16000, channels=1):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, np.int16).tobytes())


@pytest.mark.slow
def test_cli_labels_match_official_without_transcript(clip, tmp_path):
    wav, ref = clip
    out = tmp_path / "k_seq.json"
    assert main(["phonemes", str(wav), "-o", str(out)]) == 0
    pred = load_phoneme_labels(out)
    assert len(pred) == len(load_audio(wav)) * 30 // SAMPLE_RATE  # floor(duration * 30)
    # per clip, +-1 agreement ranges 0.66..0.91 on the samples (mean 0.80): any clip clears 0.6
    assert _agreement(pred, ref) >= 0.6


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


def test_transcript_shared_across_segments():
    # matched words stay with their segment; an unmatched run is shared by the recognised words on each side
    assert split_transcript("a b c d e f".split(), [["a", "b"], ["x", "d", "e"], ["f"]], [1, 1, 1]) == [
        ["a", "b"],
        ["c", "d", "e"],
        ["f"],
    ]
    assert split_transcript("a b c d e f".split(), [["a", "b", "x"], ["d", "e"], ["f"]], [1, 1, 1]) == [
        ["a", "b", "c"],
        ["d", "e"],
        ["f"],
    ]
    assert split_transcript("q a b".split(), [[], ["a", "b"]], [1, 1]) == [[], ["q", "a", "b"]]
    # nothing recognised matches: spread by duration
    assert split_transcript("q r s t".split(), [["x"], ["y"]], [3, 1]) == [["q", "r", "s"], ["t"]]


def test_long_regions_cut_at_pauses_and_short_segments_merged():
    rng = np.random.default_rng(0)
    loud = (rng.normal(size=SAMPLE_RATE * 10) * 3000).astype(np.int16)
    loud[SAMPLE_RATE * 7 : SAMPLE_RATE * 7 + 800] = 0  # a pause at 7 s
    pieces = split_long_region(100, loud, SAMPLE_RATE * 8)
    assert len(pieces) == 2 and pieces[0][0] == 100
    assert SAMPLE_RATE * 7 < pieces[1][0] - 100 < SAMPLE_RATE * 7 + 800  # cut inside the pause
    assert sum(len(p[1]) for p in pieces) == len(loud)
    pcm = np.arange(1000, dtype=np.int16)
    segs = [(0, pcm[0:100].tobytes()), (150, pcm[150:300].tobytes()), (800, pcm[800:900].tobytes())]
    merged = merge_segments(pcm, segs, 400)
    assert [(s, len(b) // 2) for s, b in merged] == [(0, 300), (800, 100)]  # the gap 100..150 is kept


@pytest.mark.slow
def test_any_format_rate_and_channels(clip, tmp_path):
    import av

    wav, _ = clip
    pcm = load_audio(wav)[: SAMPLE_RATE * 4]
    flac = tmp_path / "stereo44k.flac"
    with av.open(str(flac), "w") as c:
        s = c.add_stream("flac", rate=44100, layout="stereo")
        up = np.repeat(np.interp(np.arange(0, len(pcm), 16000 / 44100), np.arange(len(pcm)), pcm)[None], 2, 0)
        frame = av.AudioFrame.from_ndarray(up.astype(np.int16).reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = 44100
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode():
            c.mux(p)
    back = load_audio(flac)
    assert abs(len(back) - len(pcm)) < 200
    labels = phonemes_from_audio(flac)
    assert len(labels) == 4 * 30 and (labels != SIL).mean() > 0.3


def test_silence_is_all_sil(tmp_path):
    path = tmp_path / "silence.wav"
    _write_wav(path, np.zeros(16000 * 2))
    labels = phonemes_from_audio(path)
    assert len(labels) == 60 and (labels == SIL).all()


def test_bad_audio_files(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    _write_wav(empty, [])
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3\x03garbage" * 20)
    for path, needle in [(empty, "empty"), (corrupt, "corrupt.mp3"), (tmp_path / "none.wav", "not found")]:
        out = tmp_path / "x_seq.json"
        assert main(["phonemes", str(path), "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1 and not out.exists()
    with pytest.raises(InputError):
        load_audio(empty)


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


@pytest.mark.slow
def test_reused_decoders_and_worker_processes_label_exactly_as_fresh_decoders(monkeypatch):
    """The speed-ups change no label: one decoder per process (front end reset per utterance) and
    segments labelled by two worker processes give what a new decoder per call gives."""
    from styletalk_core.resources import EXAMPLES
    from styletalk_core.speech import sphinx as P
    from styletalk_core.speech.audio import load_audio

    pcm = load_audio(EXAMPLES / "hello.wav")
    second = 16000
    segments = [(i * second, pcm[i * 2 * second : (i * 2 + 1) * second + second // 2].tobytes()) for i in range(3)]
    with monkeypatch.context() as m:
        m.setattr(P, "_recogniser", P._recogniser.__wrapped__)
        m.setattr(P, "_aligner", P._aligner.__wrapped__)
        fresh = [P.WORDS(seg) for _, seg in segments]
    assert any(fresh)
    monkeypatch.setattr(P, "cpu_threads", lambda: 1)
    assert [phones for _, _, phones in P.label_segments(segments, P.WORDS)] == fresh
    monkeypatch.setattr(P, "cpu_threads", lambda: 2)
    assert [phones for _, _, phones in P.label_segments(segments, P.WORDS)] == fresh


@pytest.mark.slow
def test_aligner_without_the_language_model_aligns_as_with_it(monkeypatch):
    """Alignment searches the transcript only: the decoder built without the language model (and
    used for the dictionary lookups) gives the phones the one with it gives."""
    from styletalk_core.resources import EXAMPLES
    from styletalk_core.speech import sphinx as P
    from styletalk_core.speech.audio import load_audio

    pcm = load_audio(EXAMPLES / "hello.wav").tobytes()
    words, extra = P.english_pronunciations(P.normalise_transcript((EXAMPLES / "hello.txt").read_text()), "hello.txt")
    without = P.align(pcm, words, extra)
    build = P._decoder
    monkeypatch.setattr(P, "_decoder", lambda **kw: build(**{k: v for k, v in kw.items() if k != "lm"}))
    monkeypatch.setattr(P, "_aligner", P._aligner.__wrapped__)
    assert len(without) > 10 and P.align(pcm, words, extra) == without


def test_thread_budget_follows_threads_option_and_environment(monkeypatch):
    import torch

    from styletalk_core.threads import available_cpus, cpu_threads, set_cpu_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert cpu_threads() == available_cpus()
    before = torch.get_num_threads()
    try:
        assert set_cpu_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


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
