"""pocketsphinx's decoders: reused ones and worker processes label exactly as fresh ones; the aligner without the
language model aligns as with it."""

import pytest

from styletalk_core.speech.audio import load_audio


@pytest.mark.slow
def test_reused_decoders_and_worker_processes_label_exactly_as_fresh_decoders(monkeypatch):
    """The speed-ups change no label: one decoder per process (front end reset per utterance) and
    segments labelled by two worker processes give what a new decoder per call gives."""
    from styletalk_core.resources import EXAMPLES
    from styletalk_core.speech import sphinx as P

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

    pcm = load_audio(EXAMPLES / "hello.wav").tobytes()
    words, extra = P.english_pronunciations(P.normalise_transcript((EXAMPLES / "hello.txt").read_text()), "hello.txt")
    without = P.align(pcm, words, extra)
    build = P._decoder
    monkeypatch.setattr(P, "_decoder", lambda **kw: build(**{k: v for k, v in kw.items() if k != "lm"}))
    monkeypatch.setattr(P, "_aligner", P._aligner.__wrapped__)
    assert len(without) > 10 and P.align(pcm, words, extra) == without
