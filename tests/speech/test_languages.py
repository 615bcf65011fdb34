"""Speech in any language end to end: labels on real espeak-ng speech in Spanish and Japanese (the
language benchmark's subset), the hostile transcripts, a long recording in pieces, and speech with exact
digital silence, DC, clipping and a low level labelled as the same speech with a natural noise floor."""

import logging
import wave

import numpy as np
import pytest

from styletalk_core.cli import main
from styletalk_core.formats.labelling import LabelOptions
from styletalk_core.formats.labels import PHONEME_IDS, SIL, load_phoneme_labels
from styletalk_core.formats.languages import language
from styletalk_core.speech.phonemes import phonemes_from_audio

from ..conftest import spoken


def _labels_agree(a: np.ndarray, b: np.ndarray) -> float:
    padded = np.pad(a, 1, mode="edge")
    return float(((padded[:-2] == b) | (padded[1:-1] == b) | (padded[2:] == b)).mean())


@pytest.mark.slow
@pytest.mark.parametrize(
    "code,text",
    [
        ("es", "Pablo bebe mucho vino blanco en la playa con su madre."),
        ("ja", "私の母は毎朝パンを食べます。"),
    ],
)
def test_generate_labels_speech_in_its_language_with_and_without_a_transcript(tmp_path, code, text, caplog):
    """`styletalk generate --audio --transcript --language` on espeak-ng speech: the lips close on the
    sentence's bilabials (p/b/m in the labels where espeak-ng said them); without the transcript the
    phones are recognised, and still give a mouth that moves."""
    pytest.importorskip("pypinyin", reason="the [languages] extra is not installed")
    from styletalk_core.formats.curves import load_curves
    from styletalk_core.speech.g2p import _japanese, transcript_tokens

    said = " ".join(_japanese(transcript_tokens(text), "t")) if code == "ja" else text
    wav = spoken(tmp_path / f"{code}.wav", said, code)
    out = tmp_path / "with.npz"
    argv = ["generate", "--audio", str(wav), "--style", "preset:neutral", "--language", code, "--progress", "none"]
    assert main(argv + ["--transcript", text, "-o", str(out)]) == 0
    curves = load_curves(out)
    bilabials = np.isin(curves.phonemes, [PHONEME_IDS[p] for p in ("P", "B", "M")])
    assert bilabials.sum() >= 6 and (curves.phonemes != SIL).mean() > 0.6
    assert curves.meta["language"] == code and "alignment" not in caplog.text
    assert main(argv + ["-o", str(tmp_path / "without.npz")]) == 0
    without = load_curves(tmp_path / "without.npz")
    assert (without.phonemes != SIL).mean() > 0.5 and without.exp.std(0).max() > 0.1


def test_hostile_transcripts_are_one_line_or_a_warning(tmp_path, capsys, caplog):
    wav = spoken(tmp_path / "hola.wav", "Hola.", "es")
    out = tmp_path / "p_seq.json"
    cases = {
        "unknown code": (["--language", "xx-YY"], "unknown or unsupported language 'xx-YY'"),
        "Arabic for Japanese": (["--language", "ja", "--transcript", "مرحبا، اسمي محمد"], "Arabic script"),
    }
    for name, (extra, says) in cases.items():
        assert main(["phonemes", str(wav), "-o", str(out), *extra]) == 2, name
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], (name, err)
        assert not out.exists()
    with caplog.at_level(logging.WARNING, logger="styletalk.phonemes"):
        for transcript in ("", "🍷🎉 !!", "  "):  # nothing to say: recognised instead, with a warning
            caplog.clear()
            assert main(["phonemes", str(wav), "-o", str(out), "--language", "es", "--transcript", transcript]) == 0
            assert "no words" in caplog.text and (load_phoneme_labels(out) != SIL).any()


@pytest.mark.slow
def test_a_long_recording_is_aligned_in_pieces_and_ten_thousand_words_are_read(tmp_path):
    """A long Spanish recording with its transcript goes through segment by segment (bounded memory):
    24 repeats of a sentence (70 s) with the long-audio path forced; a 10,200-word transcript is read
    whole, word for word."""
    pytest.importorskip("pypinyin", reason="the [languages] extra is not installed")
    sentence = "Pablo bebe mucho vino blanco en la playa con su madre. "
    wav = spoken(tmp_path / "long.wav", sentence * 24, "es")
    labels = phonemes_from_audio(wav, LabelOptions.of(sentence * 24, "es"), long_audio_s=0.0)
    bilabials = np.isin(labels, [PHONEME_IDS[p] for p in ("P", "B", "M")])
    assert (labels != SIL).mean() > 0.6 and bilabials.sum() > 24 * 8
    from styletalk_core.speech.g2p import pronounce

    assert len(pronounce("Pablo bebe vino. " * 3400, language("es"), "t").phones) == 10_200


def _read(path):
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64), w.getframerate()


def _write(path, samples, rate):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(np.round(samples), -32768, 32767).astype(np.int16).tobytes())
    return path


@pytest.mark.slow
def test_digital_silence_dc_clipping_and_quiet_speech_label_as_with_a_noise_floor(tmp_path):
    """TTS speech (espeak-ng: exact zeros around and between phrases) against the same speech with a
    -60 dBFS floor. Aligned with its transcript: within +-1 frame on >= 98% of frames on average, and
    on >= 95% in every case (digital silence, 1 s of zeros padded on, a DC offset, peaks clipped 6 dB,
    the speech at -50 dBFS). Recognised, English word by word, labels of such speech change with any
    noise (two -60 dBFS floors agree on ~80%, clipping changes the words): there the speech with digital
    silence is labelled as speech, at least 2/3 of what the floor's version has (before the floor it
    had 0.27 of speech against 0.72). (The words have one pronunciation each in the dictionary: which of
    two a word gets may change with any noise, "bought" B AA T or B AO T.)"""
    text = "Peter put big maps in my bag, mother made bread. Bob keeps plum jam."
    samples, rate = _read(spoken(tmp_path / "tts.wav", text))
    assert (samples == 0).mean() > 0.05  # it has digital silence
    floor = np.random.default_rng(7).normal(0, 32767 * 10 ** (-60 / 20), len(samples))
    reference = _write(tmp_path / "floor.wav", samples + floor, rate)
    pad = np.zeros(rate)
    variants = {
        "digital silence": samples,
        "padded with zeros": np.concatenate([pad, samples, pad]),
        "DC offset": samples + 3000,
        "clipped": np.clip(samples * 2, -32767, 32767),
        "-50 dBFS": samples * (32767 * 10 ** (-50 / 20) / np.abs(samples).max()),
    }
    want = phonemes_from_audio(reference, LabelOptions(text))
    agree = {}
    for name, audio in variants.items():
        got = phonemes_from_audio(_write(tmp_path / "v.wav", audio, rate), LabelOptions(text))
        agree[name] = _labels_agree(got[30 : 30 + len(want)] if name == "padded with zeros" else got, want)
    assert np.mean(list(agree.values())) >= 0.98 and min(agree.values()) >= 0.95, agree
    heard = phonemes_from_audio(_write(tmp_path / "v.wav", samples, rate), LabelOptions())
    assert (heard != SIL).mean() >= 2 / 3 * (phonemes_from_audio(reference, LabelOptions()) != SIL).mean()
