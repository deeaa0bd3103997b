"""Shared fixtures: real Hydra composition of the project's configs, on CPU, into tmp_path."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, open_dict

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / "conf"
SHARED_DATA = Path(os.environ.get("GMVAE_DATA_DIR", REPO.parent / "shared" / "datasets"))

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


def compose_config(
    overrides: list[str] | None = None, output_dir: Path | None = None
) -> DictConfig:
    """Compose ``conf/train.yaml`` exactly as ``train.py`` would, with ``output_dir`` filled in."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides or [])
    if output_dir is not None:
        with open_dict(cfg):
            cfg.paths.output_dir = str(output_dir)
    return cfg


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., DictConfig]:
    """``make_config(*overrides)``: a small, fast, CPU digits config writing into ``tmp_path``."""

    def make(*overrides: str, output_dir: Path | None = None) -> DictConfig:
        base = [
            "dataset=digits",
            "dataset.batch_size=64",  # 21 steps an epoch: fast, and the step counts tests use
            "trainer.max_epochs=2",
            "+trainer.enable_progress_bar=false",
            "logger=csv",
            f"paths.data_dir={SHARED_DATA}",
        ]
        return compose_config([*base, *overrides], output_dir or tmp_path / "run")

    return make


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.fail(f"the MNIST files are expected under {SHARED_DATA}; set GMVAE_DATA_DIR")
    return SHARED_DATA
