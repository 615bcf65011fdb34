"""Pauses an alignment put where the sound is speech: found by level, and taken back by aligning the
words either side as one."""

import numpy as np
import pytest

from styletalk_core.speech.pauses import SAMPLES_PER_10MS, is_pause, loud_pauses
from styletalk_core.speech.sphinx import _joined

from ..conftest import spoken


def _samples(levels):
    """10 ms frames of noise at the given peak levels."""
    rng = np.random.default_rng(0)
    return np.concatenate([rng.uniform(-a, a, SAMPLES_PER_10MS) for a in levels]).astype(np.int16)


def test_a_pause_as_loud_as_the_words_is_found_a_quiet_one_and_the_edges_are_not():
    levels = [10] * 5 + [3000] * 10 + [2500] * 5 + [3000] * 10 + [20] * 5 + [3000] * 10 + [2000] * 5
    words = [("<sil>", (0, 5)), ("a", (5, 15)), ("<sil>", (15, 20)), ("b", (20, 30))]
    words += [("<sil>", (30, 35)), ("c", (35, 45)), ("<sil>", (45, 50))]
    assert loud_pauses(_samples(levels), words) == [1]  # the loud pause after one word; the edges stay
    assert loud_pauses(_samples(levels), [("<sil>", (0, 5))]) == []
    assert is_pause("<sil>") and is_pause("[NOISE]") and is_pause("++BREATH++") and not is_pause("stw0")


def test_joined_words_say_both_pronunciations_in_turn():
    words, extra = _joined(["stw0", "stw1", "stw2", "hello"], {"stw0": "P AA", "stw1": "M AA", "stw2": "T AA"}, [1, 2])
    assert words == ["stw0+stw1+stw2", "hello"]
    assert extra["stw0+stw1+stw2"] == "P AA M AA T AA" and extra["stw0"] == "P AA"
    words, extra = _joined(["stw2", "hello"], {"stw2": "T AA"}, [1])
    assert words == ["stw2+hello"] and extra["stw2+hello"].startswith("T AA HH")


@pytest.mark.slow
def test_mandarin_said_without_a_pause_is_aligned_without_one(tmp_path):
    """espeak-ng's Mandarin (read from pinyin, as the labeller reads the Han text) has no pause between
    its words; the English model hears some syllables as silence. Rejoined, no pause is left where the
    sound is speech; left alone (as English is), there is one."""
    pytest.importorskip("pypinyin", reason="the [languages] extra is not installed")
    from styletalk_core.formats.labelling import LabelOptions
    from styletalk_core.speech.audio import condition, load_audio
    from styletalk_core.speech.g2p import _mandarin, transcript_tokens
    from styletalk_core.speech.phonemes import pronunciations
    from styletalk_core.speech.sphinx import align

    text = "爸爸每天早上喝牛奶。"
    wav = spoken(tmp_path / "cmn.wav", " ".join(_mandarin(transcript_tokens(text))), "cmn")
    samples = condition(load_audio(wav))
    words, extra = pronunciations(LabelOptions.of(text, "cmn"), str(wav))

    def loud(phones):  # each phone a word: loud pauses among them
        return loud_pauses(samples, [("<sil>" if n == "SIL" else n, (s, s + d)) for n, s, d in phones])

    assert loud(align(samples.tobytes(), words, extra))
    assert not loud(align(samples.tobytes(), words, extra, rejoin=True))


@pytest.mark.slow
def test_fast_speech_too_quick_for_10_ms_frames_is_aligned_at_5_ms(tmp_path, caplog):
    """espeak-ng's Italian says 'le mele al mercato' with phones of 15-25 ms, shorter than the three
    10 ms frames a phone needs: alignment at 10 ms fails with any beam; at 5 ms it holds, and the
    labels keep the transcript's phones (no fall back to recognition)."""
    from styletalk_core.formats.labelling import LabelOptions
    from styletalk_core.formats.labels import PHONEME_IDS
    from styletalk_core.speech.audio import condition, load_audio
    from styletalk_core.speech.phonemes import phonemes_from_audio, pronunciations
    from styletalk_core.speech.sphinx import align

    text = "Domani mattina compriamo il pane e le mele al mercato."
    wav = spoken(tmp_path / "it.wav", text, "it")
    pcm = condition(load_audio(wav)).tobytes()
    words, extra = pronunciations(LabelOptions.of(text, "it"), str(wav))
    phones = align(pcm, words, extra)
    assert [p for p, _, _ in phones if p != "SIL"] == " ".join(extra[w] for w in words).split()
    assert all(length >= 0 for _, _, length in phones)
    ids = phonemes_from_audio(wav, LabelOptions.of(text, "it"))
    assert "falling back" not in caplog.text and (ids == PHONEME_IDS["K"]).any()
