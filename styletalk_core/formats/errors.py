"""Error types raised at the library boundary; the CLI prints them as one line."""


class StyleTalkError(Exception):
    """Base class: a user-facing problem with an input, naming the file and what is wrong."""


class InputError(StyleTalkError):
    """A phoneme, style, pose or curves file that cannot be used."""


class OutputError(StyleTalkError):
    """An output path that cannot be written (the existing file, if any, is left untouched)."""


class CheckpointError(StyleTalkError):
    """A checkpoint that is not a StyleTalk generator/renderer or does not match the model."""


class MissingDependencyError(StyleTalkError):
    """An optional library that this feature needs is not installed; names the extra to install."""


def traceback_log(exc: BaseException, name: str, header: str = "") -> str:
    """`exc`'s traceback (after `header`) in a new file in the temporary directory, for an error no
    check foresaw that is shown in one line (the CLI, the add-on's operators): the file's path."""
    import tempfile
    import traceback

    try:
        with tempfile.NamedTemporaryFile("w", prefix=f"styletalk-{name}-error-", suffix=".log", delete=False) as f:
            f.write(header + "".join(traceback.format_exception(exc)))
    except OSError:
        return "no log: the temporary directory cannot be written"
    return f.name
