"""Our keys written straight into the user's .glb, and a .glb whose part does not match not written directly."""

import numpy as np
import pytest

from styletalk_core.meshio import read_character

from .test_blender_side import _glb


@pytest.mark.slow
def test_glb_gets_our_keys_straight_into_the_users_file(blender, made, tmp_path, monkeypatch):
    """.glb in, .glb out: the user's JSON and binary kept byte for byte with our targets and animation
    appended, and Blender's importer sees the same keys as when Blender's own exporter writes them."""
    import styletalk_core.meshio as meshio
    from styletalk_core.meshio.glb_append import NotDirect
    from styletalk_core.retarget.character import retarget_file

    work, curves = made
    source, direct, exported = work / "character.glb", tmp_path / "direct.glb", tmp_path / "blender.glb"
    assert retarget_file(source, curves, direct).written == "direct"

    def refuse(*args):
        raise NotDirect("for the comparison")

    monkeypatch.setattr(meshio, "append_to_glb", refuse)
    assert retarget_file(source, curves, exported).written == "blender"
    (doc, binary), (new, out) = _glb(source), _glb(direct)
    assert out[: len(binary)] == binary
    for key in set(doc) - {"meshes", "accessors", "bufferViews", "buffers", "animations"}:
        assert new[key] == doc[key], key
    for key in ("accessors", "bufferViews", "animations"):
        assert new.get(key, [])[: len(doc.get(key, []))] == doc.get(key, []), key
    for was, now in zip(doc["meshes"], new["meshes"], strict=True):
        if now["name"] not in ("Head", "Teeth"):  # the skin and the teeth that go with its jaw
            assert now == was
    assert len(new["animations"]) == len(doc.get("animations", [])) + 1  # one animation: both parts' channels
    assert {new["nodes"][c["target"]["node"]]["name"] for c in new["animations"][-1]["channels"]} == {"Head", "Teeth"}
    for name in ("Head", "Teeth"):
        a, b = (
            next(p for p in read_character(f).parts if p.name.split(".")[0] == name)  # Blender may add .001
            for f in (direct, exported)
        )
        assert a.target_names == b.target_names and len(a.target_names) >= 64
        scale = np.abs(b.targets).max()
        assert scale > 0 and np.abs(a.targets - b.targets).max() < 1e-5 * scale


@pytest.mark.slow
def test_a_glb_whose_part_does_not_match_is_not_written_directly(blender, made, tmp_path):
    from styletalk_core.formats.character import Additions
    from styletalk_core.meshio.glb_append import NotDirect, append_to_glb

    work, _ = made
    head = read_character(work / "character.glb").part("Head")
    idx = np.arange(0, len(head.vertices), 7)
    add = Additions("Head", ("a",), idx, np.ones((1, len(idx), 3), np.float32))
    append_to_glb(work / "character.glb", [(head, add)], tmp_path / "ok.glb")
    head.vertices = head.vertices[np.random.default_rng(0).permutation(len(head.vertices))]  # another numbering
    with pytest.raises(NotDirect, match="not the part's"):
        append_to_glb(work / "character.glb", [(head, add)], tmp_path / "no.glb")
    with pytest.raises(NotDirect, match="mesh nodes named"):
        nobody = Additions("Nobody", ("a",), idx, add.offsets)
        append_to_glb(work / "character.glb", [(head, nobody)], tmp_path / "no.glb")
    assert not (tmp_path / "no.glb").exists()
