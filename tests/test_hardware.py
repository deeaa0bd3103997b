"""Hardware presets, AMP precision resolution, device counting and per-rank noise seeds."""

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gmvae_lightning.hardware import (
    amp_precision,
    device_count,
    needs_own_process,
    noise_seed,
    reseed_noise_per_rank,
)
from gmvae_lightning.train import train


@pytest.mark.parametrize(
    ("hardware", "expected"),
    [
        ("cpu", {"accelerator": "cpu", "devices": 1, "strategy": "auto", "precision": "32-true"}),
        ("gpu", {"accelerator": "gpu", "devices": 1, "precision": "32-true"}),
        ("ddp", {"accelerator": "gpu", "devices": -1, "strategy": "ddp"}),
        ("ddp_cpu", {"accelerator": "cpu", "devices": 2, "strategy": "ddp"}),
        ("amp", {"accelerator": "cpu", "precision": "bf16-mixed"}),
    ],
)
def test_presets_compose(make_config, hardware, expected):
    cfg = make_config(f"hardware={hardware}")
    trainer = OmegaConf.to_container(cfg.trainer, resolve=True)
    assert {key: trainer[key] for key in expected} == expected
    assert cfg.dataset.get("on_device", False) == (hardware in ("gpu", "ddp"))


def test_presets_combine_and_plain_overrides_win(make_config):
    cfg = make_config("hardware=[ddp_cpu,amp]", "trainer.devices=3")
    assert (cfg.trainer.devices, cfg.trainer.strategy) == (3, "ddp")
    assert cfg.trainer.precision == "bf16-mixed"
    assert make_config("hardware=amp", "trainer.precision=16-mixed").trainer.precision == "16-mixed"


def test_amp_precision_follows_the_hardware():
    assert amp_precision("cpu") == "bf16-mixed"
    assert amp_precision("mps") == "16-mixed"
    if not torch.cuda.is_available():
        assert amp_precision("auto") == "bf16-mixed"


@pytest.mark.parametrize(
    ("accelerator", "devices", "count"),
    [("cpu", 1, 1), ("cpu", 2, 2), ("cpu", "2", 2), ("cpu", "auto", 1), ("cpu", [0, 1], 2)],
)
def test_device_count(accelerator, devices, count):
    assert device_count(accelerator, devices) == count


def test_single_runs_keep_lightnings_launcher(make_config):
    assert not needs_own_process(make_config("trainer.devices=2"))


def test_noise_seeds_differ_by_rank_and_from_neighbouring_seeds():
    seeds = {noise_seed(seed, rank) for seed in (1, 2) for rank in range(4)}
    assert len(seeds) == 8
    assert all(0 <= seed < 2**63 for seed in seeds)


def test_reseeding_is_a_no_op_on_one_process():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    reseed_noise_per_rank(0, 1)
    assert torch.equal(torch.rand(3), expected)


def test_on_device_keeps_training_on_cpu_working(make_config):
    """``dataset.on_device`` with a CPU trainer: the split stays put and training runs."""
    cfg = make_config("trainer.max_epochs=1", "+dataset.on_device=true")
    results = train(cfg)
    assert 0.0 <= results["test/acc"] <= 1.0
    datamodule = instantiate(cfg.dataset)
    assert datamodule.on_device is True
