"""The labelling options as one object: a transcript and a language from what a user types, and the
limits on a transcript, inline or in a file."""

import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.labelling import MAX_TRANSCRIPT_CHARS, LabelOptions, read_transcript


def test_options_from_what_a_user_types():
    assert LabelOptions.of().language.code == LabelOptions().language.code == "en"
    spanish = LabelOptions.of("hola", "es")
    assert spanish.transcript == "hola" and spanish.language.code == "es"
    with pytest.raises(InputError, match="^take 3: unknown or unsupported language 'xx'"):
        LabelOptions.of("hola", "xx", source="take 3")


def test_a_transcript_has_a_limit_inline_and_in_a_file(tmp_path):
    with pytest.raises(InputError, match="the limit is 100000"):
        LabelOptions("a" * (MAX_TRANSCRIPT_CHARS + 1))
    path = tmp_path / "line.txt"
    path.write_text("¿Dónde está?", encoding="utf-8")
    assert read_transcript(path) == "¿Dónde está?"
    path.write_text("é" * (MAX_TRANSCRIPT_CHARS + 1), encoding="utf-8")
    with pytest.raises(InputError, match="line.txt: the transcript is 100001 characters"):
        read_transcript(path)
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InputError, match="line.txt"):
        read_transcript(path)
