"""The pocketsphinx backend: the bundled English (en-US) acoustic model as a word recogniser, a phone
recogniser (allphone search over its phone language model: no words, so any language) and a forced
aligner (the transcript's pronunciations, from its English dictionary or given); one decoder of each
per process, and segments spread over worker processes."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..children import die_with_parent, isolated_spawned_workers
from ..extras import optional
from ..threads import cpu_threads, end_pool
from .audio import SAMPLE_RATE
from .pauses import loud_pauses

log = logging.getLogger("styletalk.phonemes")
Phones = list[tuple[str, int, int]]  # (phone, start, duration) in 10 ms frames


def _decoder(**kwargs):
    Decoder = optional("pocketsphinx", "audio").Decoder
    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **kwargs)


# wide beams: the default ones lose the forced path on unusual voices (e.g. synthetic speech)
ALIGN_BEAMS = {"bestpath": False, "beam": 1e-80, "wbeam": 1e-60, "pbeam": 1e-80}
# a second try when those lose the path (one synthetic sentence in twelve did, in Spanish and German)
WIDE_BEAMS = {"bestpath": False, "beam": 1e-150, "wbeam": 1e-150, "pbeam": 1e-150}
# a last try at 5 ms frames: each phone's three states need a frame each, so at 10 ms a run of phones
# spoken faster than 30 ms apiece cannot be aligned at all (fast Italian: 'le mele al mercato' said
# with phones of 15-25 ms); at 5 ms they can. The features are the same, computed twice as often.
FINE_FRAMES = 2
MAX_REALIGN = 4  # alignments again with the words around loud pauses joined (a pause moves to the next gap)
# phone recognition leans on the sound, not on the English phone language model (lw 0.1, not 2) and
# keeps phones rather than long silences (wip 20): the visual class of the labels within +-1 frame
# went 0.61 -> 0.68 on synthetic speech in seven languages and 0.76 -> 0.80 on the real English
# samples (their official labels), where English word recognition gives 0.89 (benchmarks/languages.py)
PHONE_SEARCH = {"beam": 1e-20, "pbeam": 1e-20, "lw": 0.1, "wip": 20.0}


@functools.lru_cache(maxsize=1)
def _recogniser():
    """One recognition decoder per process (building one loads the models and the language model:
    ~0.45 s)."""
    return _decoder()


@functools.lru_cache(maxsize=3)
def _aligner(extra: tuple[tuple[str, str], ...] = (), wide: bool = False, per_10ms: int = 1):
    """One alignment decoder per process, set of added pronunciations, beam width and frame rate
    (`per_10ms` frames in each 10 ms); also the dictionary the transcript's words are looked up in.
    Alignment searches the transcript alone, so no language model is loaded (0.15 s to build instead
    of 0.37; the same labels: benchmarks/phoneme_agreement.py)."""
    dec = _decoder(lm=None, frate=100 * per_10ms, **(WIDE_BEAMS if wide else ALIGN_BEAMS))
    for i, (word, phones) in enumerate(extra):
        dec.add_word(word, phones, update=i == len(extra) - 1)
    return dec


@functools.lru_cache(maxsize=1)
def _phone_recogniser():
    """One allphone decoder per process: phones straight from the audio, under the English phone
    language model (pocketsphinx's en-us-phone.lm.bin), with no words to recognise."""
    model = Path(optional("pocketsphinx", "audio").get_model_path()) / "en-us" / "en-us-phone.lm.bin"
    return _decoder(allphone=str(model), lm=None, **PHONE_SEARCH)


def recognise_phones(pcm: bytes) -> Phones:
    """Phones recognised without words: any language, no transcript."""
    dec = _phone_recogniser()
    dec.reinit_feat()
    _utterance(dec, pcm)
    return [(seg.word, seg.start_frame, seg.end_frame - seg.start_frame + 1) for seg in dec.seg()]


def recognised_phone_names(pcm: bytes) -> list[str]:
    """The speech phones recognised (silence and noise left out): what a transcript's phones are
    matched against when long audio is shared out."""
    return [name for name, _, _ in recognise_phones(pcm) if name != "SIL" and not name.startswith("+")]


def _utterance(dec, pcm: bytes) -> None:
    """One utterance (the caller resets the front end first with reinit_feat: its noise estimate and
    cepstral mean carry over otherwise, and a reused decoder then labels differently)."""
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()


def normalise_transcript(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def compound_pronunciation(word: str, lookup: Callable[[str], str | None]) -> str | None:
    """Letter-to-sound fallback for a word missing from the dictionary: the pronunciation of its
    split into the fewest dictionary words of two or more letters (`hairstyles` -> hair + styles,
    `renderer` -> render + er); None when no such split exists."""
    n = len(word)
    best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            prev = best[start]
            phones = lookup(word[start:end]) if prev is not None else None
            if phones and (best[end] is None or prev[0] + 1 < best[end][0]):
                best[end] = (prev[0] + 1, prev[1] + [phones])
    return " ".join(best[n][1]) if best[n] is not None and best[n][0] > 1 else None


def english_pronunciations(words: list[str], source: str) -> tuple[list[str], dict[str, str]]:
    """The words that can be aligned, and pronunciations to add for the ones the dictionary lacks
    (compound fallback); the rest are skipped with a warning."""
    dec = _aligner()  # the dictionary alone: no recognition decoder is built to look words up
    extra = {}
    for w in sorted(set(words)):
        if dec.lookup_word(w) is None:
            phones = compound_pronunciation(w, dec.lookup_word)
            if phones:
                extra[w] = phones
    if extra:
        log.info("%s: pronounced as compounds: %s", source, ", ".join(f"{w} [{p}]" for w, p in extra.items()))
    known = [w for w in words if w in extra or dec.lookup_word(w) is not None]
    missing = sorted(set(words) - set(known))
    if missing:
        log.warning("%s: %d word(s) not in the dictionary, skipped: %s", source, len(missing), " ".join(missing[:10]))
    return known, extra


def recognise_words(pcm: bytes) -> list[str]:
    dec = _recogniser()
    dec.reinit_feat()
    _utterance(dec, pcm)
    hyp = dec.hyp()
    return normalise_transcript(hyp.hypstr) if hyp is not None else []


def align(pcm: bytes, words: list[str], extra: dict[str, str] | None = None, rejoin: bool = False) -> Phones:
    """(phone, start, duration) in 10 ms frames; [] when alignment fails, with the usual beams, then
    wide ones, then at 5 ms frames. `extra`: pronunciations of words the dictionary lacks. With
    `rejoin` (speech not in English), a pause the aligner put where the audio is as loud as speech
    (the English model hears some sounds of other languages as silence: Mandarin's third tone, its x)
    is taken back: the words either side are aligned again as one, with no pause allowed between
    them. English is left as aligned: on its real samples, loud pauses are mostly real ones over
    background noise (rejoining them cost 2.6 points of agreement; benchmarks/phoneme_agreement.py)."""
    if not words:
        return []
    samples, extra = np.frombuffer(pcm, np.int16), extra or {}
    aligned = _aligned_words(pcm, words, extra)
    for _ in range(MAX_REALIGN if rejoin else 0):
        joins = loud_pauses(samples, [(name, _span(phones)) for name, phones in aligned])
        if not joins:
            break
        words, extra = _joined(words, extra, joins)
        aligned = _aligned_words(pcm, words, extra) or aligned
    return [ph for _, phones in aligned for ph in phones]


def _span(phones: Phones) -> tuple[int, int]:
    return (phones[0][1], phones[-1][1] + phones[-1][2]) if phones else (0, 0)


def _aligned_words(pcm: bytes, words: list[str], extra: dict[str, str]) -> list[tuple[str, Phones]]:
    """Each word of the alignment (pauses as '<sil>') with its phones in 10 ms frames; [] on failure."""
    key = tuple(sorted(extra.items()))
    for wide, per_10ms in ((False, 1), (True, 1), (True, FINE_FRAMES)):
        dec = _aligner(key, wide, per_10ms)
        dec.reinit_feat()  # before the first pass only: a new decoder's second pass starts from the first's
        dec.set_align_text(" ".join(words))
        try:
            for first_pass in (True, False):  # first pass: word alignment; second: phones and states
                _utterance(dec, pcm)
                if first_pass:
                    dec.set_alignment()
        except RuntimeError:
            continue
        alignment = dec.get_alignment()
        if alignment:
            return [(w.name, _in_10ms([(ph.name, ph.start, ph.duration) for ph in w], per_10ms)) for w in alignment]
    return []


def _joined(words: list[str], extra: dict[str, str], joins: list[int]) -> tuple[list[str], dict[str, str]]:
    """`words` with the word after each count of words in `joins` made one with the word before it (a
    new word whose pronunciation is theirs in turn), and the pronunciations to add for them."""
    lookup = _aligner().lookup_word
    out, extra = [], dict(extra)
    for i, word in enumerate(words):
        if i in joins and out:
            name = f"{out[-1]}+{word}"
            extra[name] = f"{extra.get(out[-1]) or lookup(out[-1])} {extra.get(word) or lookup(word)}"
            out[-1] = name
        else:
            out.append(word)
    return out, extra


def _in_10ms(phones: Phones, per_10ms: int) -> Phones:
    """Phones timed in frames of 10 / `per_10ms` ms, in 10 ms frames (boundaries rounded; a phone
    shorter than half a frame then lasts none)."""
    if per_10ms == 1:
        return phones
    out = []
    for name, start, duration in phones:
        a, b = round(start / per_10ms), round((start + duration) / per_10ms)
        out.append((name, a, b - a))
    return out


def _as_heard(pcm: bytes, phones: Phones) -> Phones:
    return phones


@dataclass(frozen=True)
class Recognition:
    """Labelling without a transcript in two steps, so a segment labelled in this process can report
    between them: what is heard (`hear`), then its phones (`label`)."""

    hear: Callable[[bytes], object]
    label: Callable[[bytes, object], Phones]

    def __call__(self, pcm: bytes) -> Phones:
        return self.label(pcm, self.hear(pcm))


# English: words recognised with the language model, then aligned; any language: phones heard as such
WORDS = Recognition(recognise_words, align)
PHONES = Recognition(recognise_phones, _as_heard)


POOL_MIN_SEGMENTS = 3  # fewer: starting the worker processes (~1 s) costs more than it saves


@contextlib.contextmanager
def segment_map(count: int) -> Iterator[Callable]:
    """A `map` for `count` segments. Segments are independent (each decoded from a reset front end),
    so with two or more CPUs in the thread budget they go to that many worker processes (pocketsphinx
    holds the GIL), giving the same results, in order, as one process."""
    workers = min(cpu_threads(), count)
    if workers < 2 or count < POOL_MIN_SEGMENTS:
        yield map
        return
    spawn = multiprocessing.get_context("spawn")
    with isolated_spawned_workers():
        pool = ProcessPoolExecutor(workers, mp_context=spawn, initializer=_worker_setup, initargs=(os.getpid(),))
        try:
            yield pool.map
        except BaseException:
            end_pool(pool)  # Ctrl-C, SIGTERM or an error: nothing left running
            raise
        pool.shutdown(wait=True)


def _worker_setup(parent: int) -> None:
    """Workers leave Ctrl-C (sent to the whole terminal's process group) to the parent, which stops
    them, and end with it however it ends."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def label_segments(
    segments: list[tuple[int, bytes]], recognition: Recognition, halfway: Callable[[int, bytes], None] | None = None
) -> Iterator[tuple[int, bytes, Phones]]:
    """(start, segment, phones) in order, each segment labelled by `recognition`, on worker processes
    when there are enough segments and CPUs; in this process `halfway(start, segment)` hears of each
    segment between its two steps."""
    with segment_map(len(segments)) as run:
        if run is map:
            for start, seg in segments:
                heard = recognition.hear(seg)
                if halfway is not None:
                    halfway(start, seg)
                yield start, seg, recognition.label(seg, heard)
            return
        for (start, seg), phones in zip(segments, run(recognition, [s for _, s in segments]), strict=True):
            yield start, seg, phones


def align_share(
    pcm: bytes, share: list[str], extra: dict[str, str], fallback: Callable[[bytes], Phones], rejoin: bool
) -> tuple[Phones, bool]:
    """(phones, whether the transcript's share failed to align): a failed share is recognised
    instead (`fallback`); `rejoin` as for `align`."""
    phones = align(pcm, share, extra, rejoin)
    return phones or fallback(pcm), bool(share and not phones)
