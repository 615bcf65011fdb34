"""Transcripts read in their language."""

import pytest

from styletalk_core.formats.languages import language


def test_transcripts_are_read_in_their_language():
    pytest.importorskip("pypinyin", reason="the [languages] extra is not installed")
    from styletalk_core.speech.g2p import espeak_program, pronounce

    try:
        espeak_program()
    except Exception:
        pytest.skip("espeak-ng is not installed (scripts/setup.sh installs it)")
    es = pronounce("Pablo bebe vino 🍷.", language("es"), "t")
    assert es.phones == [["P", "AA", "B", "L", "OW"], ["B", "EY", "B", "EY"], ["B", "IY", "N", "OW"]]
    ja = pronounce("私の名前は田中です。", language("ja"), "t")
    assert ["T", "AA", "N", "AA", "K", "AA"] in ja.phones and ["W", "AA"] in ja.phones  # は as a particle
    cmn = pronounce("爸爸喝牛奶。", language("zh"), "t")
    assert cmn.phones[:2] == [["P", "AA"], ["P", "AA"]] and len(cmn.phones) == 5
    assert pronounce("🍷 ?!", language("es"), "t").words == []
