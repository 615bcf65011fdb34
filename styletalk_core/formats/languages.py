"""The languages speech can be labelled in: BCP-47 / ISO 639 codes to one table row (its name, the
scripts it is written in, the espeak-ng voice that reads it, how its text is read), and a transcript's
script checked against its language. Pure data: the CLI, the batch manifest and the add-on read it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class Language:
    code: str  # the code a take records: ISO 639-1 where there is one, else 639-3 (cmn)
    name: str
    scripts: tuple[str, ...]  # Unicode script names of its letters (a character name's first word)
    voice: str  # the espeak-ng voice that reads it
    reading: str = "espeak"  # espeak: espeak-ng reads the text; pinyin / kana: Han characters read first

    @property
    def english(self) -> bool:
        """English keeps its own dictionary and word recognition (pocketsphinx's en-US models)."""
        return self.code == "en"


LATIN, CYRILLIC, ARABIC = ("LATIN",), ("CYRILLIC",), ("ARABIC",)
# one row a language: (639-1 or 639-3 code, 639-2/3 aliases, name, scripts, voice, reading)
_ROWS = (
    ("en", ("eng",), "English", LATIN, "en-us", "espeak"),
    ("es", ("spa",), "Spanish", LATIN, "es", "espeak"),
    ("de", ("deu", "ger"), "German", LATIN, "de", "espeak"),
    ("fr", ("fra", "fre"), "French", LATIN, "fr-fr", "espeak"),
    ("it", ("ita",), "Italian", LATIN, "it", "espeak"),
    ("pt", ("por",), "Portuguese", LATIN, "pt", "espeak"),
    ("ru", ("rus",), "Russian", CYRILLIC, "ru", "espeak"),
    ("ja", ("jpn",), "Japanese", ("CJK", "HIRAGANA", "KATAKANA"), "ja", "kana"),
    ("cmn", ("zh", "zho", "chi"), "Mandarin Chinese", ("CJK",), "cmn-latn-pinyin", "pinyin"),
    ("hi", ("hin",), "Hindi", ("DEVANAGARI",), "hi", "espeak"),
    ("ko", ("kor",), "Korean", ("HANGUL",), "ko", "espeak"),
    ("ar", ("ara",), "Arabic", ARABIC, "ar", "espeak"),
    ("nl", ("nld", "dut"), "Dutch", LATIN, "nl", "espeak"),
    ("pl", ("pol",), "Polish", LATIN, "pl", "espeak"),
    ("sv", ("swe",), "Swedish", LATIN, "sv", "espeak"),
    ("nb", ("no", "nob", "nor"), "Norwegian", LATIN, "nb", "espeak"),
    ("da", ("dan",), "Danish", LATIN, "da", "espeak"),
    ("fi", ("fin",), "Finnish", LATIN, "fi", "espeak"),
    ("tr", ("tur",), "Turkish", LATIN, "tr", "espeak"),
    ("cs", ("ces", "cze"), "Czech", LATIN, "cs", "espeak"),
    ("sk", ("slk", "slo"), "Slovak", LATIN, "sk", "espeak"),
    ("hu", ("hun",), "Hungarian", LATIN, "hu", "espeak"),
    ("ro", ("ron", "rum"), "Romanian", LATIN, "ro", "espeak"),
    ("ca", ("cat",), "Catalan", LATIN, "ca", "espeak"),
    ("hr", ("hrv",), "Croatian", LATIN, "hr", "espeak"),
    ("sl", ("slv",), "Slovenian", LATIN, "sl", "espeak"),
    ("lt", ("lit",), "Lithuanian", LATIN, "lt", "espeak"),
    ("lv", ("lav",), "Latvian", LATIN, "lv", "espeak"),
    ("et", ("est",), "Estonian", LATIN, "et", "espeak"),
    ("id", ("ind", "in"), "Indonesian", LATIN, "id", "espeak"),
    ("ms", ("msa", "may", "zsm"), "Malay", LATIN, "ms", "espeak"),
    ("vi", ("vie",), "Vietnamese", LATIN, "vi", "espeak"),
    ("sw", ("swa",), "Swahili", LATIN, "sw", "espeak"),
    ("uk", ("ukr",), "Ukrainian", CYRILLIC, "uk", "espeak"),
    ("bg", ("bul",), "Bulgarian", CYRILLIC, "bg", "espeak"),
    ("sr", ("srp",), "Serbian", CYRILLIC + LATIN, "sr", "espeak"),
    ("el", ("ell", "gre"), "Greek", ("GREEK",), "el", "espeak"),
    ("he", ("heb", "iw"), "Hebrew", ("HEBREW",), "he", "espeak"),
    ("fa", ("fas", "per"), "Persian", ARABIC, "fa", "espeak"),
    ("ur", ("urd",), "Urdu", ARABIC, "ur", "espeak"),
    ("bn", ("ben",), "Bengali", ("BENGALI",), "bn", "espeak"),
    ("ta", ("tam",), "Tamil", ("TAMIL",), "ta", "espeak"),
    ("te", ("tel",), "Telugu", ("TELUGU",), "te", "espeak"),
    ("th", ("tha",), "Thai", ("THAI",), "th", "espeak"),
)
LANGUAGES: dict[str, Language] = {row[0]: Language(row[0], row[2], row[3], row[4], row[5]) for row in _ROWS}
_ALIASES = {alias: row[0] for row in _ROWS for alias in (row[0], *row[1])}
# regions whose speech another espeak-ng voice reads better
_REGION_VOICES = {("en", "gb"): "en-gb", ("pt", "br"): "pt-br", ("es", "419"): "es-419", ("es", "mx"): "es-419"}
DEFAULT_LANGUAGE = "en"


def language(code: object, source: str = "--language") -> Language:
    """The row for a BCP-47 / ISO 639 code (`es`, `pt-BR`, `zh-Hans-CN`, `cmn`, `deu`), or one InputError
    line naming the code and the codes there are."""
    if not isinstance(code, str) or not code.strip() or len(code) > 35:
        raise InputError(f"{source}: a language is a code such as es, pt-BR or ja, not {str(code)[:40]!r}")
    tags = code.strip().lower().replace("_", "-").split("-")
    primary = "cmn" if tags[0] == "zh" and "yue" not in tags else tags[0]
    found = _ALIASES.get(primary)
    if found is None:
        known = ", ".join(sorted(LANGUAGES))
        raise InputError(f"{source}: unknown or unsupported language {code.strip()[:40]!r}; known: {known}")
    row = LANGUAGES[found]
    voice = next((_REGION_VOICES[(found, t)] for t in tags[1:] if (found, t) in _REGION_VOICES), row.voice)
    return Language(row.code, row.name, row.scripts, voice, row.reading)


def script_of(char: str) -> str:
    """A letter's script, as the first word of its Unicode name (LATIN, CYRILLIC, CJK, HANGUL, ...)."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def check_script(text: str, lang: Language, source: str) -> None:
    """One InputError line when the transcript's letters are in a script its language is not written
    in (Arabic text with --language ja). Latin letters pass in any language (names, brands, numbers
    spelled out); a transcript with none of its language's own letters and some of another script's
    does not."""
    found = {script_of(c) for c in unicodedata.normalize("NFKC", text) if c.isalpha()}
    foreign = found - set(lang.scripts) - {"LATIN"}
    if foreign and not found & set(lang.scripts):
        shown = ", ".join(sorted(s.title() for s in foreign))
        raise InputError(
            f"{source}: the transcript is written in {shown} script, which {lang.name} ({lang.code}) is not "
            f"written in; is --language right?"
        )
