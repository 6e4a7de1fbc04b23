"""TrainConfig: presets from YAML, ``key=value`` overrides, explicit flags."""

from __future__ import annotations

import pytest

from training.train_config import TrainConfig, apply_override, build_config, from_dict, load_preset


def test_default_preset_is_the_licence_clean_mix():
    config = build_config("default")
    assert config.base_model == "all-MiniLM-L6-v2"
    assert config.max_length == 96
    assert config.freeze_word_embeddings is True
    assert "babe" not in config.sources and "mbic" not in config.sources
    assert config.weights["stop_clickbait"] < 1.0


def test_quick_preset_is_smaller_than_default():
    quick, default = build_config("quick"), build_config("default")
    assert quick.epochs <= default.epochs
    assert sum(quick.max_train_rows.values()) < sum(default.max_train_rows.values())


def test_overrides_parse_yaml_values_and_nested_keys():
    config = build_config("default", ["epochs=3", "weights.stop_clickbait=0.1", "exclude=[stop_clickbait]"])
    assert config.epochs == 3
    assert config.weights["stop_clickbait"] == 0.1
    assert config.weights["seeds"] == load_preset("default")["weights"]["seeds"]  # siblings kept
    assert config.active_sources() == [s for s in config.sources if s != "stop_clickbait"]


def test_explicit_values_win_and_none_means_unset():
    config = build_config("default", ["seed=1"], seed=7, base_model=None)
    assert config.seed == 7
    assert config.base_model == "all-MiniLM-L6-v2"


def test_nested_override_of_a_key_missing_from_the_preset_starts_from_the_dataclass_default():
    raw: dict = {}
    apply_override(raw, "calibration.bias=isotonic")
    assert raw["calibration"] == {**TrainConfig().calibration, "bias": "isotonic"}


@pytest.mark.parametrize(
    "assignment, message",
    [("nonsense=1", "unknown config key"), ("epochs", "not key=value"), ("epochs.x=1", "not a mapping")],
)
def test_bad_overrides_are_rejected_with_a_reason(assignment, message):
    with pytest.raises(ValueError, match=message):
        build_config("default", [assignment])


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ValueError, match="default"):
        load_preset("no-such-preset")


def test_unknown_keys_in_a_yaml_file_are_rejected(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("epochs: 1\nlearnin_rate: 0.1\n")
    with pytest.raises(ValueError, match="learnin_rate"):
        build_config(str(path))


def test_restricted_sources_need_opting_in():
    config = from_dict({"sources": ["webis", "babe"]})
    assert config.active_sources({"babe"}) == ["webis"]
    config.include_restricted = True
    assert config.active_sources({"babe"}) == ["webis", "babe"]


def test_config_round_trips_through_its_dict():
    config = build_config("default", ["epochs=1.5"])
    assert from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    "override, named",
    [("calibration.clickbait=isotonc", "calibration.clickbait"), ("threshold_metric.bias=auc", "threshold_metric.bias"),
     ("learning_rate=5", "learning_rate"), ("batch_size=0", "batch_size"), ("freeze_layers=-1", "freeze_layers"),
     ("min_label_agreement=1.5", "min_label_agreement"), ("ema_decay=1", "ema_decay"),
     ("composite_framed_partner=teaser", "composite_framed_partner"),
     ("loss_normalization=batch", "loss_normalization")],
)
def test_config_refuses_bad_values_before_training(override, named):
    with pytest.raises(ValueError, match=named):
        build_config("default", [override])


def test_presets_hold_only_differences_from_the_defaults():
    from dataclasses import fields

    from training.train_config import TrainConfig, load_preset

    defaults = {f.name: getattr(TrainConfig(), f.name) for f in fields(TrainConfig)}
    for name in ("default", "quick"):
        same = [k for k, v in load_preset(name).items() if defaults[k] == v]
        assert not same, f"preset {name} repeats defaults: {same}"
