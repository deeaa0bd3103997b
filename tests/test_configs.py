"""Every config in conf/ composes and instantiates (real Hydra, no training)."""

from pathlib import Path

import pytest
import torch
from conftest import CONFIG_DIR, compose_config
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from omegaconf import OmegaConf

from gmvae_lightning.train import build_callbacks, build_loggers, build_module


def group_options(group: str) -> list[str]:
    return sorted(path.stem for path in (CONFIG_DIR / group).glob("*.yaml"))


def test_defaults_match_the_contract(tmp_path: Path) -> None:
    cfg = compose_config(output_dir=tmp_path)
    assert cfg.dataset.name == "mnist" and cfg.model.name == "simple"
    assert cfg.temperature.initial == 1.0 and cfg.temperature.minimum == 0.5
    assert cfg.temperature.rate == pytest.approx(0.013862944)
    assert cfg.dataset.batch_size == 64 and cfg.model.latent_dim == 64
    assert cfg.model.num_clusters == cfg.dataset.num_classes == 10
    assert set(cfg.logger) == {"wandb", "csv"}
    assert cfg.model.optimizer.lr == 1e-3


# dataset=files learns its input size from the user's file: tests/test_files_dataset.py builds it
BUILDABLE_DATASETS = [name for name in group_options("dataset") if name != "files"]


@pytest.mark.parametrize("dataset", BUILDABLE_DATASETS)
@pytest.mark.parametrize("model", group_options("model"))
def test_dataset_and_model_compose_and_build(dataset: str, model: str, tmp_path: Path) -> None:
    cfg = compose_config([f"dataset={dataset}", f"model={model}"], tmp_path)
    OmegaConf.resolve(cfg)
    module = build_module(cfg)
    assert module.net.input_dim == cfg.dataset.input_dim
    assert module.hparams.num_clusters == cfg.model.num_clusters


@pytest.mark.parametrize("networks", group_options("networks"))
@pytest.mark.parametrize("model", group_options("model"))
def test_network_options_build_for_images(networks: str, model: str, tmp_path: Path) -> None:
    cfg = compose_config(["dataset=usps", f"model={model}", f"networks={networks}"], tmp_path)
    module = build_module(cfg)
    out = module.net(torch.rand(3, 256), temperature=1.0)
    assert out.reconstruction.shape == (3, 256)


@pytest.mark.parametrize("experiment", group_options("experiment"))
def test_experiments_compose_and_build(experiment: str, tmp_path: Path) -> None:
    cfg = compose_config([f"experiment={experiment}"], tmp_path)
    dataset, _, variant = experiment.partition("_")[2].partition("_")
    assert cfg.dataset.name == dataset
    expected_model = {"paper": "simple", "gmvae": "gmvae", "best": "mixture"}
    assert cfg.model.name == expected_model[experiment.split("_")[0]]
    assert cfg.model.num_clusters == (int(variant[1:]) if variant else cfg.dataset.num_classes)
    module = build_module(cfg)
    assert module.net.num_clusters == cfg.model.num_clusters


@pytest.mark.parametrize("model", group_options("model"))
def test_files_dataset_composes(model: str, tmp_path: Path) -> None:
    cfg = compose_config(["dataset=files", "dataset.path=x.npz", f"model={model}"], tmp_path)
    OmegaConf.resolve(cfg)
    assert cfg.model.net.input_dim is None  # filled in from the file by complete_config


@pytest.mark.parametrize("temperature", group_options("temperature"))
def test_temperature_options(temperature: str, tmp_path: Path) -> None:
    schedule = instantiate(compose_config([f"temperature={temperature}"], tmp_path).temperature)
    assert 0 < schedule(0, 0) <= 1.0


@pytest.mark.parametrize("logger", [*group_options("logger"), "[wandb,csv]"])
def test_logger_options(logger: str, tmp_path: Path) -> None:
    cfg = compose_config([f"logger={logger}"], tmp_path)
    names = sorted(type(built).__name__ for built in build_loggers(cfg))
    expected = {"none": [], "csv": ["CSVLogger"], "wandb": ["WandbLogger"]}
    assert names == expected.get(logger, ["CSVLogger", "WandbLogger"])


@pytest.mark.parametrize("hardware", group_options("hardware"))
def test_hardware_options(hardware: str, tmp_path: Path) -> None:
    cfg = compose_config([f"hardware={hardware}"], tmp_path)
    assert cfg.trainer.accelerator in ("cpu", "gpu", "auto")


def test_callbacks_build(tmp_path: Path) -> None:
    callbacks = build_callbacks(compose_config([], tmp_path))
    assert any(isinstance(c, ModelCheckpoint) for c in callbacks)


def test_contract_overrides_reach_the_model(tmp_path: Path) -> None:
    cfg = compose_config(
        [
            "dataset=digits",
            "model.num_clusters=14",
            "model.latent_dim=5",
            "model.w_gauss=3",
            "model.w_cat=0.5",
        ],
        tmp_path,
    )
    module = build_module(cfg)
    assert module.net.num_clusters == 14 and module.net.latent_dim == 5
    assert module.weights == (1.0, 0.5, 3.0)


def test_dataset_model_defaults_apply_to_simple_but_not_to_gmvae_weights(tmp_path: Path) -> None:
    digits = compose_config(["dataset=digits"], tmp_path).model
    assert (digits.latent_dim, digits.w_cat, digits.w_gauss) == (8, 1.0, 0.5)
    assert digits.net.categorical_kl == "marginal"
    mnist = compose_config([], tmp_path).model
    assert (mnist.latent_dim, mnist.w_cat, mnist.w_gauss) == (64, 1.0, 4.0)
    assert mnist.net.categorical_kl == "per_sample"
    gmvae = compose_config(["dataset=digits", "model=gmvae"], tmp_path).model
    assert (gmvae.w_rec, gmvae.w_cat, gmvae.w_gauss) == (1.0, 1.0, 1.0)
