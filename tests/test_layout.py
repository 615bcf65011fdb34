"""The package's shape as rules: role layering of the imports, self-contained formats, short functions."""

import ast
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "styletalk_core"
# each role and the roles it may import (besides itself); the CLI sits on top and may import anything
ALLOWED = {
    "formats": set(),
    "model": {"formats"},
    "speech": {"formats", "children", "extras", "media", "threads"},  # threads: the CPU budget for its worker processes
    "face": {"formats", "extras", "media", "native", "resources", "threads"},  # native: MediaPipe's log lines
    "style": {"formats", "face", "extras", "threads"},
    "meshio": {"formats", "children", "native"},  # native: a stop asked for while Blender works
    "retarget": {"formats", "face", "extras", "native", "resources", "meshio"},
    # batch sits on the library (inference, speech, style, retarget's exports and keys, meshio's writer)
    "batch": {
        "formats",
        "children",
        "inference",
        "settings",
        "speech",
        "style",
        "retarget",
        "meshio",
        "native",
        "threads",
    },
    "training": {"formats", "model", "face", "style", "device", "inference", "resources", "extras", "settings"},
}
NETWORK_FILES = {"styletalk_core/model/network.py", "renderer/model.py"}  # module definitions may run long
MAX_FUNCTION_LINES = 60
MAX_PARAMETERS = 6  # more travel as one object (settings, hints, a record), not one by one


def package_imports(path: Path) -> set[str]:
    """First-level styletalk_core parts (`model`, `cli`, ...) that a module imports, relative or absolute."""
    tree = ast.parse(path.read_text())
    parts = path.relative_to(REPO).with_suffix("").parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                mod = base + (node.module.split(".") if node.module else [])
                names = [mod + [a.name] for a in node.names] if not node.module else [mod]
            else:
                names = [(node.module or "").split(".")]
            found |= {n[1] for n in names if len(n) > 1 and n[0] == "styletalk_core"}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("styletalk_core.")}
    return found


def package_modules(role: str) -> list[Path]:
    return sorted((PACKAGE / role).rglob("*.py"))


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_role_imports_only_the_layers_below(role):
    for path in package_modules(role):
        extra = package_imports(path) - ALLOWED[role] - {role}
        assert not extra, f"{path.relative_to(REPO)} imports {sorted(extra)}"


def test_only_the_cli_imports_training():
    sources = [*PACKAGE.rglob("*.py"), *(REPO / "renderer").rglob("*.py"), *(REPO / "blender_addon").rglob("*.py")]
    users = {
        str(p.relative_to(REPO))
        for p in sources
        if "training" in package_imports(p) and not p.is_relative_to(PACKAGE / "training")
    }
    assert users == {"styletalk_core/cli/train.py", "styletalk_core/cli/evaluate.py"}


# the installed names of the parts built on the toolkit, and the bare folder names they must not be imported by
BUILT_ON = {"styletalk_renderer", "styletalk_addon", "renderer", "blender_addon"}


def top_level_imports(path: Path) -> set[str]:
    """The top-level packages a module imports absolutely (`styletalk_renderer`, `numpy`, ...)."""
    tree = ast.parse(path.read_text())
    top = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return top | {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}


def test_the_toolkit_imports_neither_the_renderer_nor_the_addon():
    """Dependencies run one way: the CLI and the demo reach the renderer and the add-on's builder by
    name through styletalk_core.plugins, and no module of the toolkit imports theirs."""
    users = {str(p.relative_to(REPO)) for p in PACKAGE.rglob("*.py") if top_level_imports(p) & BUILT_ON}
    assert not users, users


# what the renderer uses of the toolkit: the library below the commands (never the CLI, the demo,
# training, retargeting or the meshio layer)
RENDERER_USES = {
    "formats",
    "extras",
    "media",
    "native",
    "threads",
    "settings",
    "device",
    "resources",
    "face",
    "speech",
    "batch",
}


def test_the_renderer_uses_only_the_toolkits_library():
    for path in (REPO / "renderer").rglob("*.py"):
        extra = package_imports(path) - RENDERER_USES
        assert not extra, f"{path.relative_to(REPO)} imports styletalk_core's {sorted(extra)}"
        assert not top_level_imports(path) & {"styletalk_addon", "blender_addon"}, path


def test_the_addon_imports_nothing_of_the_toolkit_but_its_formats():
    """The extension's modules import their own package only (`.formats` is styletalk_core/formats, linked
    in the repository and copied by the builder); the builder itself sits outside the extension."""
    for path in (REPO / "blender_addon" / "styletalk").glob("*.py"):
        assert not top_level_imports(path) & {"styletalk_core", *BUILT_ON}, path


def test_the_renderer_and_the_addon_are_imported_by_their_installed_names():
    """`renderer/` and `blender_addon/` install as `styletalk_renderer` and `styletalk_addon` (pyproject's
    package-dir): nothing imports the bare folder names, which would not exist in site-packages."""
    sources = [
        p
        for d in ("styletalk_core", "renderer", "blender_addon", "tests", "benchmarks", "scripts", "examples")
        for p in (REPO / d).rglob("*.py")
    ]
    users = {str(p.relative_to(REPO)) for p in sources if top_level_imports(p) & {"renderer", "blender_addon"}}
    assert not users, users


def test_formats_import_nothing_but_each_other_and_numpy():
    """The add-on ships formats/ as it is: no torch, no other package modules (checkpoints.py, the
    torch-based one, is not shipped)."""
    for path in package_modules("formats"):
        tree = ast.parse(path.read_text())
        top = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        top |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
        allowed = {
            "__future__",
            "numpy",
            "json",
            "csv",
            "os",
            "io",
            "contextlib",
            "tempfile",
            "collections",
            "dataclasses",
            "re",
            "struct",
            "pathlib",
            "hashlib",
            "functools",
            "zipfile",
            "traceback",
            "math",
            "pickle",
            "unicodedata",
        } | ({"torch"} if path.name == "checkpoints.py" else set())
        assert top <= allowed, f"{path.name} imports {sorted(top - allowed)}"


def _code_files() -> list[Path]:
    return [
        *PACKAGE.rglob("*.py"),
        *(REPO / "renderer").rglob("*.py"),
        *(REPO / "blender_addon").rglob("*.py"),
        *(REPO / "scripts").glob("*.py"),
    ]


def test_no_function_takes_more_than_six_parameters():
    many = []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg not in ("self", "cls")]
                if len(names) > MAX_PARAMETERS:
                    many.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({len(names)} parameters)")
    assert not many, many


def test_no_long_functions():
    long = []
    for path in _code_files():
        rel = str(path.relative_to(REPO))
        if rel in NETWORK_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{rel}:{node.lineno} {node.name} ({n} lines)")
    assert not long, long


def test_the_blender_shims_import_nothing():
    """meshio/compat.py runs in the toolkit's Blender process and, linked, in the add-on: it works on the
    objects it is given and imports nothing, so it fits both."""
    path = PACKAGE / "meshio" / "compat.py"
    assert top_level_imports(path) <= {"__future__"} and not package_imports(path)
    link = REPO / "blender_addon" / "styletalk" / "compat.py"
    assert link.is_symlink() and link.resolve() == path.resolve()


def test_the_command_line_is_built_without_torch():
    """`styletalk --help`, and every command's checks before its work, do not pay for importing torch
    (over a second on each start): the parser and the style request are torch-free."""
    import subprocess
    import sys

    heavy = "{'torch', 'mediapipe'}"
    code = f"import sys, styletalk_core.cli as c; c.build_parser(); print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# calls that do work (build, spawn, write, run a command): never at a test module's top level, where
# collecting the suite (or one test) would pay for them
WORK_AT_IMPORT = {"assemble", "build_zip", "run", "check_output", "Popen", "blender_python", "run_checks"}
WORK_AT_IMPORT |= {"spoken", "main", "load_model", "read_character", "write_character", "system"}


def test_test_modules_do_no_work_at_import():
    found = []
    for path in (REPO / "tests").rglob("*.py"):
        if "blender" in path.parent.name and path.parent.name != "blender_addon":
            continue  # scripts run inside Blender by the tests, not imported
        for statement in ast.parse(path.read_text()).body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                    if name in WORK_AT_IMPORT:
                        found.append(f"{path.relative_to(REPO)}:{node.lineno} {name}()")
    assert not found, found


# where each tree's tests live: tests/<folder>/test_<module>.py for a module in a subpackage of it,
# tests/<top>/test_<module>.py for one at its top
TEST_HOMES = {"styletalk_core": "", "renderer": "renderer", "blender_addon": "blender_addon"}
# modules with no logic of their own to test, and why
NO_LOGIC = {
    "styletalk_core/cli/__main__.py": "`python -m styletalk_core.cli`: calls main",
    "styletalk_core/resources.py": "the paths of the bundled files",
    "renderer/api.py": "the renderer's public names, imported from its modules",
    "blender_addon/styletalk/prefs.py": "the add-on's preferences: two properties and their drawing",
    "blender_addon/styletalk/panel.py": "the sidebar's layout: rows of properties and operators",
}


def _test_home(module: Path) -> Path:
    tree, *inner = module.relative_to(REPO).parts
    if tree == "blender_addon":
        inner = inner[1:] if inner[0] == "styletalk" else inner
    folder = [TEST_HOMES[tree], *inner[:-1]] if inner[:-1] else [TEST_HOMES[tree]]
    return REPO.joinpath("tests", *[f for f in folder if f], f"test_{module.stem}.py")


def test_every_module_with_logic_has_its_test_file():
    """A module's tests are where its name says: styletalk_core/speech/g2p.py's in tests/speech/test_g2p.py."""
    # a link (the add-on's compat.py is meshio's) is tested where it points
    modules = [
        p
        for tree in TEST_HOMES
        for p in sorted((REPO / tree).rglob("*.py"))
        if p.name != "__init__.py" and not p.is_symlink() and "__pycache__" not in p.parts
    ]
    missing = [
        f"{m.relative_to(REPO)} -> {_test_home(m).relative_to(REPO)}"
        for m in modules
        if str(m.relative_to(REPO)) not in NO_LOGIC and not _test_home(m).exists()
    ]
    assert not missing, "\n".join(missing)
    assert all((REPO / m).exists() for m in NO_LOGIC)
