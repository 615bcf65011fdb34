"""Training settings: the parser's defaults are TrainConfig's, and bad settings are refused."""

import pytest

from styletalk_core.training.config import TrainConfig


def test_train_cli_defaults_are_the_train_config(capsys):
    """Every training option's default comes from TrainConfig, and the help shows it."""
    from styletalk_core.cli import build_parser

    args = build_parser().parse_args(["train", "--data", "d", "-o", "m.pth"])
    assert TrainConfig.from_args(args) == TrainConfig()
    given = {"--steps": 7, "--batch": 3, "--seq-len": 20, "--lr": 0.5, "--seed": 9, "--val-every": 4}
    given |= {"--pretrain-steps": 2, "--level-shift": 0.25, "--lambda-sync": 0.5, "--lambda-upper-lip": 2.0}
    line = [x for k, v in given.items() for x in (k, str(v))] + ["--refine-lower"]
    cfg = TrainConfig.from_args(build_parser().parse_args(["train", "--data", "d", "-o", "m.pth", *line]))
    for option, value in given.items():  # every option reaches its field
        name = {"--batch": "batch_size"}.get(option, option[2:].replace("-", "_"))
        assert getattr(cfg, name) == value, option
    assert cfg.refine_lower and cfg.lambda_temporal == TrainConfig.lambda_temporal
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {TrainConfig.level_shift})" in help_text and f"(default: {TrainConfig.val_every})" in help_text


@pytest.mark.parametrize(
    "bad", [{"batch_size": 0}, {"seq_len": 0}, {"lr": float("nan")}, {"steps": 0}, {"level_shift": 2.0}]
)
def test_train_config_refuses_bad_settings(bad):
    from styletalk_core.formats.errors import InputError

    with pytest.raises(InputError, match=next(iter(bad)).split("_")[0]):
        TrainConfig(**bad)
