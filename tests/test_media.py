"""Audio and video files opened with PyAV: missing, unreadable or without the stream asked for is one
line naming the file."""

import pytest

from styletalk_core.formats.errors import InputError
from styletalk_core.media import open_media

from .conftest import REPO

HELLO = REPO / "styletalk_core" / "data" / "examples" / "hello.wav"


def test_a_file_with_the_stream_asked_for_opens():
    pytest.importorskip("av")
    with open_media(HELLO, "audio", "audio") as container:
        assert container.streams.audio


def test_what_cannot_be_read_is_one_line_naming_it(tmp_path):
    pytest.importorskip("av")
    with pytest.raises(InputError, match="video file not found"):
        open_media(tmp_path / "none.mp4", "video", "video")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 10)
    with pytest.raises(InputError, match=f"^{junk}: cannot read video"):
        open_media(junk, "video", "video")
    with pytest.raises(InputError, match=f"^{HELLO}: has no video stream"):
        open_media(HELLO, "video", "video")
