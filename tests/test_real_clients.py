"""Every animated file we write, read by the tools studios read it with: the Khronos glTF validator
and three.js under node, assimp, and Blender 4.2 and 5.0's own glTF and FBX importers. Each reader
skips with one line where it is not installed (scripts/setup_readers.sh installs them)."""

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree
from styletalk_addon.styletalk import keys  # the add-on's pure module, from its source

from styletalk_core.face.face_model import load_face_model, mouth_opening
from styletalk_core.formats.arkit import ARKIT_NAMES
from styletalk_core.formats.curves import load_curves
from styletalk_core.formats.layout import EXP_NAMES
from styletalk_core.formats.morph import unit_targets, unit_weights

from .blender_scene import blender_python
from .conftest import REPO, shared_path
from .gltf_clients import node_reader
from .ict_characters import identity, load_ict, transfer_fidelity

VERSIONS = ("5.0", "4.2")


@pytest.fixture(scope="module")
def written(blender, shared, demo_out, tmp_path_factory):
    """The glb files we write: the demo's, a retargeted ICT head (our keys and ARKit's),
    and the add-on's .glb and FBX exports from Blender 5.0 and 4.2 (made by tests/blender/export_checks.py,
    which also reads each back with Blender's importers)."""
    from styletalk_addon.build import assemble

    from styletalk_core.cli import main

    shared_path("ict_facekit", "ict_facekit.npz")
    work = tmp_path_factory.mktemp("clients")
    ict = load_ict()
    verts = identity(ict, 1.0, np.random.default_rng(3))
    head = work / "ict_head.obj"
    head.write_text(
        "".join(f"v {a:.6f} {b:.6f} {c:.6f}\n" for a, b, c in verts)
        + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in ict["tris"])
    )
    curves = demo_out / "demo_curves.npz"
    glbs = {"demo": demo_out / "demo.glb", "ict_head": work / "ict_head.glb"}  # our keys and ARKit's
    assert main(["retarget", "--mesh", str(head), "--curves", str(curves), "-o", str(glbs["ict_head"]), "--arkit"]) == 0
    addon = assemble(Path(tempfile.mkdtemp(dir=work))).parent
    imports = {}
    for version in VERSIONS:
        try:
            python = blender_python(version)
        except pytest.skip.Exception:
            continue
        argv = [
            python,
            str(REPO / "tests" / "blender" / "export_checks.py"),
            str(addon),
            str(work),
            str(curves),
            str(glbs["demo"]),
            str(glbs["ict_head"]),
        ]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULTS ")]
        assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
        imports[version] = json.loads(lines[0].removeprefix("RESULTS "))
        full = imports[version]["blender"]
        glbs[f"addon_{version}"] = work / f"addon_{full}.glb"
    return {"work": work, "glbs": glbs, "imports": imports, "curves": load_curves(curves), "ict": ict, "rest": verts}


@pytest.mark.slow
def test_every_glb_passes_the_khronos_validator(written):
    reports = node_reader("validate", *written["glbs"].values())
    assert len(reports) == len(written["glbs"])
    for report in reports:
        assert report["errors"] == 0, report


def expected_targets(written, name: str) -> tuple[list[str], np.ndarray]:
    """The target names and (T, K) weights file `name` must hold: the curves on our keys (and, on the
    retargeted head, ARKit's at zero), each signed key split into unit-range targets (formats.morph)."""
    exp = written["curves"].exp
    names = list(EXP_NAMES) + (list(ARKIT_NAMES) if name == "ict_head" else [])
    values = np.concatenate([exp, np.zeros((len(exp), len(names) - len(EXP_NAMES)))], axis=1)
    split = unit_targets(names, values)
    return [t.name for t in split], unit_weights(split, values)


@pytest.fixture(scope="module")
def three_seen(written):
    paths = [written["glbs"][n] for n in ("demo", "ict_head")]
    return dict(zip(("demo", "ict_head"), node_reader("three", 30, *paths), strict=True))


@pytest.mark.slow
def test_every_animation_starts_at_zero_with_weights_within_unit_range(written, three_seen):
    for name, seen in three_seen.items():
        weights = np.array(seen["weights"][0])
        assert seen["clips"][0]["start"] == 0 and 0 <= weights.min() and weights.max() <= 1, name
        assert abs(seen["clips"][0]["duration"] - (len(written["curves"].exp) - 1) / 30) < 1e-5, name


@pytest.mark.slow
def test_three_js_reads_target_names_and_weights_as_the_curves(written, three_seen):
    for name, seen in three_seen.items():
        names, weights = expected_targets(written, name)
        got = seen["meshes"][0]["targets"]
        assert sorted(got) == sorted(names), name
        order = [names.index(n) for n in got]  # the writer's target order is its own
        np.testing.assert_allclose(np.array(seen["weights"][0]), weights[:, order], atol=1e-5)


@pytest.mark.slow
def test_assimp_sees_the_mesh_its_targets_and_the_weight_channel(written):
    pyassimp = pytest.importorskip("pyassimp", reason="pyassimp is not installed (scripts/setup_readers.sh)")
    from pyassimp.errors import AssimpError

    names, weights = expected_targets(written, "demo")
    times = np.arange(len(weights)) / 30
    for name in ("demo",):  # pyassimp copies every target of a 26k-vertex head through ctypes: seconds
        try:
            ctx = pyassimp.load(str(written["glbs"][name]))
        except (AssimpError, OSError) as exc:
            pytest.skip(f"assimp's library cannot be loaded ({exc}): apt-get install libassimp5")
        with ctx as scene:
            assert len(scene.meshes) == 1
            got = [str(m.name) for m in scene.meshes[0].animmeshes]
            assert sorted(got) == sorted(names)
            weights = weights[:, [names.index(n) for n in got]]
            channel = scene.animations[0].morphmeshchannels[0]
            assert len(channel.keys) == len(times)
            ticks = scene.animations[0].tickspersecond
            np.testing.assert_allclose(np.array([k.time for k in channel.keys]) / ticks, times, atol=1e-4)
            for t in (0, len(times) // 2, len(times) - 1):
                key = channel.keys[t]
                values = np.zeros(len(names))
                values[[key.values[i] for i in range(key.numvaluesandweights)]] = [
                    key.weights[i] for i in range(key.numvaluesandweights)
                ]
                np.testing.assert_allclose(values, weights[t], atol=1e-5)


def _imported(written, version: str, name: str) -> tuple[dict, dict]:
    """What Blender `version`'s importer made of file `name`: its report and its vertices."""
    if version not in written["imports"]:
        pytest.skip(f"no Blender {version} to import with")
    report = written["imports"][version]
    name = name.format(v=report["blender"])
    stem = f"{Path(name).stem}_{Path(name).suffix[1:]}"  # as export_checks.py names it
    return report[name], np.load(written["work"] / f"import_{report['blender']}_{stem}.npz")


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["addon_{v}.glb", "addon_{v}.fbx", "demo.glb"])
def test_blender_importers_play_our_face_as_the_curves(written, version, name):
    exp = written["curves"].exp
    face = load_face_model()
    want = keys.face_vertices_to_blender(face.mean[None] + np.tensordot(exp, face.basis, 1))
    report, z = _imported(written, version, name)
    assert report["first_frame"] == 0 and report["frames"] == len(exp)  # the file's time starts at 0
    assert report["slider_max"] <= 1 and report["slider_min"] >= 0
    dist, idx = cKDTree(z["rest"]).query(keys.face_vertices_to_blender(face.mean))
    assert dist.max() < 1e-6  # every vertex of ours is in the imported mesh
    got = z["frames"][:, idx]
    width = np.ptp(want[0, :, 0])
    assert np.abs(got - want).max() < 1e-4 * width
    opening = -mouth_opening(got[..., [0, 2, 1]])
    ours = -mouth_opening(want[..., [0, 2, 1]])
    assert np.corrcoef(opening, ours)[0, 1] >= 0.99 and 0.98 <= opening.std() / ours.std() <= 1.02


def _played_head(written, version: str) -> np.ndarray:
    """The retargeted head's frames as Blender `version` plays them, at the ICT vertices (y up)."""
    _, z = _imported(written, version, "ict_head.glb")
    to_ict = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])  # Blender's z-up -> glTF's (and the OBJ's) y-up
    dist, idx = cKDTree(z["rest"] @ to_ict.T).query(written["rest"])
    assert dist.max() < 1e-5  # every vertex of the head is in the file, where it was
    return z["frames"][:, idx] @ to_ict.T


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_blender_gltf_importer_plays_a_retargeted_head_as_the_curves(written, version):
    frames = _played_head(written, version)
    r = transfer_fidelity(written["ict"], written["rest"], frames, written["curves"].exp)
    assert r["lip r"] >= 0.99 and 0.7 <= r["amplitude"] <= 1.3, r
    if version != VERSIONS[0] and VERSIONS[0] in written["imports"]:  # both Blenders play the same motion
        assert np.abs(frames - _played_head(written, VERSIONS[0])).max() < 1e-4 * np.ptp(written["rest"][:, 0])


@pytest.mark.slow
def test_the_export_leaves_the_users_scene_as_it_was(written):
    for report in written["imports"].values():
        assert report["user_data_kept"] == ["StyleTalkFace", 65, ["StyleTalk"], [1, len(written["curves"].exp)], 1, 1]


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_the_demo_scene_opens_in_every_supported_blender(blender, demo_out, version):
    python = blender_python(version)
    code = (
        "import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); "
        "k = bpy.data.objects['StyleTalkFace'].data.shape_keys; "
        "print('ACTION', k.animation_data.action.name, len(k.key_blocks), bpy.context.scene.frame_end)"
    )
    blend = demo_out / "demo_blender42.blend"
    assert blend.exists(), "the demo writes demo_blender42.blend where the Blender 4.2 environment is"
    proc = subprocess.run([python, "-c", code, str(blend)], capture_output=True, text=True, timeout=300)
    line = [x for x in proc.stdout.splitlines() if x.startswith("ACTION")]
    assert line and line[0].split()[1:3] == ["StyleTalk", "65"], proc.stdout[-2000:] + proc.stderr[-2000:]
