"""The settings' one home of defaults: every command's options start from them, and the model's timing
calibration leaves the mouth one frame ahead of the sound."""

import pytest

from styletalk_core.cli import build_parser
from styletalk_core.settings import (
    MODEL_LEAD_MS,
    MODEL_SYNC_MS,
    BatchSettings,
    DemoSettings,
    GenerateSettings,
    PreviewSettings,
    RenderSettings,
)


def _defaults(command: str) -> dict:
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return {a.dest: a.default for a in sub.choices[command]._actions}


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            "generate",
            {
                "style_strength": GenerateSettings.style_strength,
                "batch": GenerateSettings.batch_frames,
                "sync_offset": GenerateSettings.sync_offset_ms,
                "lip_closure": GenerateSettings.lip_closure,
                "checkpoint": GenerateSettings.checkpoint,
                "device": GenerateSettings.device,
            },
        ),
        (
            "batch",
            {
                "engine": BatchSettings.engine,
                "address": BatchSettings.address,
                "sync_offset": BatchSettings.sync_offset_ms,
                "lip_closure": BatchSettings.lip_closure,
            },
        ),
        (
            "render",
            {
                "batch": RenderSettings.batch,
                "precision": RenderSettings.precision,
                "compile": RenderSettings.compile,
                "engine": RenderSettings.engine,
            },
        ),
        ("preview", {"size": PreviewSettings.size}),
        ("demo", {"output": DemoSettings.output, "style": DemoSettings.style}),
    ],
)
def test_each_commands_options_start_from_the_settings(command, options):
    defaults = _defaults(command)
    assert {name: defaults[name] for name in options} == options


def test_the_calibrated_mouth_leads_the_sound_by_one_frame():
    assert MODEL_LEAD_MS - MODEL_SYNC_MS == pytest.approx(1000 / 30)
    assert PreviewSettings.min_size <= PreviewSettings.size <= PreviewSettings.max_size
