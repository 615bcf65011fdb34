"""What labelling speech is asked for, as one object: the language it is spoken in and, optionally,
what is said (its transcript: forced alignment; without one, phones are recognised). The CLI
(`phonemes`, `generate`), the batch manifest, the Python API and the add-on's jobs all pass one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .bounded import read_text
from .errors import InputError
from .languages import DEFAULT_LANGUAGE, LANGUAGES, Language, language

# a transcript's length: 100,000 characters are about 17,000 words, two hours of speech (a 4 MB one
# took 4 GB to pronounce and align)
MAX_TRANSCRIPT_CHARS = 100_000


@dataclass(frozen=True)
class LabelOptions:
    transcript: str | None = None
    language: Language = field(default_factory=lambda: LANGUAGES[DEFAULT_LANGUAGE])

    def __post_init__(self):
        if self.transcript is not None and len(self.transcript) > MAX_TRANSCRIPT_CHARS:
            raise InputError(
                f"the transcript is {len(self.transcript)} characters; the limit is {MAX_TRANSCRIPT_CHARS} "
                "(about two hours of speech): label long recordings in parts"
            )

    @classmethod
    def of(cls, transcript: str | None = None, code: str | None = None, source: str = "--language") -> LabelOptions:
        """From a transcript and a language code as a user gives them (None: English); an unknown
        code is one InputError line naming `source`."""
        return cls(transcript, language(code if code is not None else DEFAULT_LANGUAGE, source))


def read_transcript(path: Path) -> str:
    """A transcript file's text (UTF-8), or one InputError line for a binary, mis-encoded or too long
    file."""
    text = read_text(path, "transcript", 4 * MAX_TRANSCRIPT_CHARS)  # UTF-8: at most 4 bytes a character
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise InputError(f"{path}: the transcript is {len(text)} characters; the limit is {MAX_TRANSCRIPT_CHARS}")
    return text
