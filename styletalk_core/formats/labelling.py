"""What labelling speech is asked for, as one object: the language it is spoken in and, optionally,
what is said (its transcript: forced alignment; without one, phones are recognised). The CLI
(`phonemes`, `generate`), the batch manifest, the Python API and the add-on's jobs all pass one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .languages import DEFAULT_LANGUAGE, LANGUAGES, Language, language


@dataclass(frozen=True)
class LabelOptions:
    transcript: str | None = None
    language: Language = field(default_factory=lambda: LANGUAGES[DEFAULT_LANGUAGE])

    @classmethod
    def of(cls, transcript: str | None = None, code: str | None = None, source: str = "--language") -> LabelOptions:
        """From a transcript and a language code as a user gives them (None: English); an unknown
        code is one InputError line naming `source`."""
        return cls(transcript, language(code if code is not None else DEFAULT_LANGUAGE, source))


def read_transcript(path: Path) -> str:
    """A transcript file's text (UTF-8), or one InputError line for a binary or mis-encoded file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}): a transcript is plain text") from None
