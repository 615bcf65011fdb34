"""A transcript in any language -> each word's phones (the network's ARPAbet set): espeak-ng's
grapheme-to-phoneme rules and dictionaries for 100+ languages give IPA, speech.ipa maps it. Han
characters are read first: Mandarin by pypinyin (pinyin, which espeak-ng's pinyin voice reads),
Japanese by fugashi with UniDic Lite (katakana readings). espeak-ng is GPL: it runs as its own
program (Debian's espeak-ng, or any on PATH), never linked into the toolkit."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from ..extras import optional
from ..formats.errors import InputError, MissingDependencyError
from ..formats.languages import Language, check_script, script_of
from .ipa import phones_from_ipa

log = logging.getLogger("styletalk.phonemes")
ESPEAK_TIMEOUT_S = 120.0
MAX_TRANSCRIPT_CHARS = 1_000_000
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")  # espeak-ng's (en) ... (cmn) around a word it read in another voice
_PINYIN_ASPIRATION = re.compile(r"(?<=[ptkɕsʂ])h")  # espeak-ng's pinyin voice writes aspiration as a letter


@dataclass(frozen=True)
class Pronounced:
    """The transcript's words as read (IPA), each with its phones."""

    words: list[str]
    phones: list[list[str]]


def _is_word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LMN" or c in "'’"


def transcript_tokens(text: str) -> list[str]:
    """The transcript's words: letters, marks and digits between anything else (punctuation, emoji)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c if _is_word_char(c) else " " for c in text).split()


@functools.lru_cache(maxsize=1)
def espeak_program() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise MissingDependencyError(
            "labelling speech from a transcript in a language other than English needs espeak-ng "
            "(Debian/Ubuntu: apt install espeak-ng; scripts/setup.sh installs it)"
        )
    return found


def espeak_ipa(text: str, voice: str) -> list[str]:
    """The text's words in IPA (phones separated by '_'), as espeak-ng reads the whole text in `voice`
    (in context: a one-letter word is a word, numbers are said, liaison is kept)."""
    if not text.strip():
        return []
    try:
        done = subprocess.run(
            [espeak_program(), "-q", "--ipa", "--sep=_", "-b", "1", "-v", voice, "--stdin"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=ESPEAK_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"espeak-ng took over {ESPEAK_TIMEOUT_S:.0f} s to read the transcript") from None
    if done.returncode != 0:
        raise InputError(
            f"espeak-ng ({voice}) could not read the transcript: {done.stderr.decode('utf-8', 'replace')[:200]}"
        )
    return _LANGUAGE_SWITCH.sub(" ", done.stdout.decode("utf-8", "replace")).split()


def _mandarin(tokens: list[str]) -> list[str]:
    """Han characters as tone-numbered pinyin syllables, one word each; other tokens as they are."""
    pypinyin = optional("pypinyin", "languages")
    out = []
    for token in tokens:
        syllables = pypinyin.lazy_pinyin(token, style=pypinyin.Style.TONE3, neutral_tone_with_five=True)
        out.extend(s for s in syllables if s.strip())
    return out


@functools.lru_cache(maxsize=1)
def _tagger():
    return optional("fugashi", "languages").Tagger()


def _japanese(tokens: list[str], source: str) -> list[str]:
    """Each morpheme as its spoken katakana reading (は as the particle reads ワ, long vowels as ー);
    a Han-character morpheme the dictionary has no reading for is named and left out."""
    out, unread = [], []
    for token in tokens:
        for morpheme in _tagger()(token):
            pron = getattr(morpheme.feature, "pron", None)
            if pron and pron != "*":
                out.append(pron)
            elif any(script_of(c) == "CJK" for c in morpheme.surface):
                unread.append(morpheme.surface)
            else:
                out.append(morpheme.surface)  # kana and Latin: espeak-ng reads them
    if unread:
        log.warning("%s: %d word(s) with no reading, skipped: %s", source, len(unread), " ".join(unread[:10]))
    return out


def _readable(tokens: list[str], lang: Language, source: str) -> list[str]:
    """The tokens with letters of the language's scripts (or Latin, or digits); the others are named in
    a warning and left out: no reading of them would be the language's."""
    known = set(lang.scripts) | {"LATIN"}
    kept, dropped = [], []
    for t in tokens:
        (kept if any(not c.isalpha() or script_of(c) in known for c in t) else dropped).append(t)
    if dropped:
        log.warning(
            "%s: %d word(s) not in %s's letters, skipped: %s", source, len(dropped), lang.name, " ".join(dropped[:10])
        )
    return kept


def pronounce(text: str, lang: Language, source: str) -> Pronounced:
    """The transcript as words of phones, read in context by espeak-ng (after pinyin or kana for Han
    characters). A word no reader can say is named in a warning and left out, the rest still aligns;
    text in a script the language is not written in is one InputError line."""
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise InputError(f"{source}: the transcript is {len(text):,} characters; at most {MAX_TRANSCRIPT_CHARS:,}")
    check_script(text, lang, source)
    tokens = _readable(transcript_tokens(text), lang, source)
    if lang.reading == "pinyin":
        tokens = _mandarin(tokens)
    elif lang.reading == "kana":
        tokens = _japanese(tokens, source)
    words, phones = [], []
    for ipa in espeak_ipa(" ".join(tokens), lang.voice):
        if lang.reading == "pinyin":
            ipa = _PINYIN_ASPIRATION.sub("", ipa.replace("ɜ", ""))  # tone 3 comes out as ɜ there
        found, _ = phones_from_ipa(ipa.replace("_", " "))
        if found:
            words.append(ipa.replace("_", ""))
            phones.append(found)
    return Pronounced(words, phones)
