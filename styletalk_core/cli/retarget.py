"""`styletalk retarget`: a character file + curves -> the character, talking."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .common import add_command, progress_for, wrote


def add(sub, common) -> None:
    from ..formats.character import AXES
    from ..formats.placed import PLACED_POINTS

    rt = add_command(
        sub,
        "retarget",
        run,
        "character (.glb/.gltf/.fbx/.obj) + curves -> the character, talking",
        "Read the whole character with Blender's importers, pick its face part (eyes, teeth, brows and body "
        "are told apart by name and content), find the face on it (a front render, MediaPipe landmarks cast "
        "back onto the surface, or a hand-placed --mask), then add our 64 expression keys (and with --arkit "
        "ARKit's 52) to it, animated by the curves, or with --solve animate its own shape keys to reproduce "
        "the motion. The output is the same file with those additions (every object, material, UV, skin "
        "kept): .glb or .fbx by -o's name. Without --curves: the keys alone.",
        [common["progress"]],
    )
    rt.add_argument("--curves", type=Path, help="curves file (.npz/.json) or official (T, 73) .npy to animate with")
    rt.add_argument(
        "--mesh", required=True, type=Path, help="the character: .glb, .gltf, .fbx or .obj (shape keys for --solve)"
    )
    rt.add_argument("--solve", action="store_true", help="animate the face's own shape keys instead of adding ours")
    rt.add_argument("--arkit", action="store_true", help="also add and animate the 52 ARKit morph targets")
    rt.add_argument(
        "--front",
        choices=tuple(AXES),
        default="+z",
        help="the axis the face looks along (glTF: +z; a minus sign needs =, e.g. --front=-y)",
    )
    rt.add_argument("--up", choices=tuple(AXES), default="+y", help="the mesh's up axis")
    rt.add_argument(
        "--mask",
        type=Path,
        help="(468, 3) .npy: our face mask placed on the character by hand (its "
        "world coordinates, y up), used instead of detection for faces the detector cannot read",
    )
    rt.add_argument(
        "--landmarks",
        type=Path,
        help="a .json of points placed by hand on a face the detector cannot read (a stylised face), in the "
        'character\'s coordinates: {"chin": [x, y, z], ...}; 6 or more of ' + ", ".join(PLACED_POINTS) + " with "
        "both mouth corners (left and right: the character's own)",
    )
    rt.add_argument("-o", "--output", required=True, type=Path, help="output .glb or .fbx (.npz: the additions)")


WRITTEN = {"direct": ", added straight into a copy of your .glb", "blender": ", written by Blender's exporter"}


def run(args: argparse.Namespace) -> None:
    from ..retarget.character import LIPS_REPRODUCED, RetargetSettings, retarget_file
    from ..retarget.locate import FaceHints

    t0 = time.perf_counter()
    hints = FaceHints(args.front, args.up, args.mask, args.landmarks)
    settings = RetargetSettings(args.solve, args.arkit, hints)
    done = retarget_file(args.mesh, args.curves, args.output, settings, progress_for(args, "retarget", "step"))
    what = "our keys added"
    if done.solved:
        what = (
            f"its own keys solved, {done.solve.keys_used} used; they reproduce our lip opening with r "
            f"{done.solve.lip_r:.2f}, lip residual {done.solve.lip_residual_px:.1f} px, elsewhere "
            f"{done.solve.outside_residual_px:.1f} px"
        )
        if done.solve.lip_r < LIPS_REPRODUCED:
            print(
                f"styletalk retarget: warning: {done.part}'s own keys cannot reproduce the lips' motion (r "
                f"{done.solve.lip_r:.2f}); add our keys instead (no --solve)",
                file=sys.stderr,
            )
    animated = f"{done.frames} frames animated" if done.frames else "no animation (no --curves)"
    if done.followers:
        verb = "animated alike" if done.solved else "moving with the jaw"
        animated += f"; {', '.join(done.followers)} {verb}"
    if done.kept_animations:
        own = "animations" if len(done.kept_animations) > 1 else "animation"
        verb = "are" if len(done.kept_animations) > 1 else "is"
        animated += f"; its own {own} {', '.join(done.kept_animations)} {verb} kept, after ours (ours plays first)"
    wrote(
        args.output,
        f"{done.targets} shape keys on {done.part} (of {done.parts} mesh parts; {what}), {animated}, "
        f"{done.fit.describe()}{WRITTEN.get(done.written, '')}",
        time.perf_counter() - t0,
    )
