"""Optional dependencies: import one on first use, or say in one line which extra installs it."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from .formats.errors import MissingDependencyError

DISTRIBUTION = "styletalk-toolkit"
# module -> the PyPI package that provides it (where the names differ)
PACKAGES = {
    "av": "av (PyAV)",
    "pocketsphinx": "pocketsphinx",
    "mediapipe": "mediapipe",
    "pyrender": "pyrender",
    "trimesh": "trimesh",
    "matplotlib": "matplotlib",
    "PIL": "pillow",
    "bpy": "bpy",
    "cv2": "opencv",
    "openvino": "openvino",
    "fugashi": "fugashi and unidic-lite",
}


def optional(module: str, extra: str) -> ModuleType:
    """`import module`, or MissingDependencyError naming the extra: pip install 'styletalk-toolkit[EXTRA]'."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] != module.split(".")[0]:
            raise  # the module is there but broken inside: not a missing extra
        what = PACKAGES.get(module.split(".")[0], module)
        raise MissingDependencyError(
            f"{what} is not installed; this feature needs it: pip install '{DISTRIBUTION}[{extra}]'"
        ) from None


def offscreen_gl() -> tuple[ModuleType, ModuleType]:
    """(pyrender, trimesh) for headless rendering: EGL is chosen before OpenGL is first imported."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    return optional("pyrender", "preview"), optional("trimesh", "preview")
