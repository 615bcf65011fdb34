"""The language table: codes name a row, an unknown code is one line, a transcript in another script is refused."""

import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.formats.languages import LANGUAGES, check_script, language


def test_codes_name_a_row_and_an_unknown_code_is_one_line():
    assert len(LANGUAGES) >= 30
    assert language("es").voice == "es" and language("pt-BR").voice == "pt-br" and language("pt").voice == "pt"
    assert language("zh").code == language("cmn").code == language("zh-Hans-CN").code == "cmn"
    assert language("DEU").code == "de" and language("en_GB").voice == "en-gb" and language("jpn").code == "ja"
    for bad in ("xx", "", "klingon", 5, "e" * 100):
        with pytest.raises(InputError, match="--language") as caught:
            language(bad)
        assert "\n" not in str(caught.value)


def test_a_transcript_in_another_script_is_refused_latin_names_pass():
    check_script("私の名前はMikeです", language("ja"), "t")
    check_script("Hola, me llamo José", language("es"), "t")
    check_script("iPhone", language("ru"), "t")  # Latin alone: a brand, a name
    with pytest.raises(InputError, match="Arabic script, which Japanese"):
        check_script("مرحبا، اسمي محمد", language("ja"), "t")
    with pytest.raises(InputError, match="Cyrillic script, which Spanish"):
        check_script("Привет", language("es"), "t")
