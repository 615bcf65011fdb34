"""Optional dependencies: imported on first use, or one line naming the extra that installs them; a
dependency that is there but broken inside is not mistaken for a missing one."""

import sys

import pytest

from styletalk_core.extras import DISTRIBUTION, optional
from styletalk_core.formats.errors import MissingDependencyError


def test_a_missing_module_names_its_extra(monkeypatch):
    assert optional("json", "audio") is sys.modules["json"]
    monkeypatch.setitem(sys.modules, "av", None)  # as if PyAV were not installed
    with pytest.raises(MissingDependencyError) as err:
        optional("av", "video")
    assert str(err.value) == f"av (PyAV) is not installed; this feature needs it: pip install '{DISTRIBUTION}[video]'"


def test_a_module_broken_inside_is_not_called_missing(tmp_path, monkeypatch):
    (tmp_path / "half_installed.py").write_text("import a_module_nobody_has\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="a_module_nobody_has"):
        optional("half_installed", "audio")
