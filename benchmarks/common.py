"""Shared pieces of the benchmarks: the real configs, MNIST-sized data, interleaved timing."""

import os
import platform
import statistics
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.utils import instantiate
from omegaconf import DictConfig

from gmvae_lightning.data.base import InMemoryDataModule, Splits

REPO = Path(__file__).resolve().parents[1]


def compose_config(overrides: list[str]) -> DictConfig:
    """The project's ``conf/train.yaml`` with ``overrides``, as ``train.py`` composes it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


class RandomMNIST(InMemoryDataModule):
    """MNIST-shaped data (``samples`` × 784 grey levels, 10 labels) without files."""

    def __init__(self, samples: int = 60000, **kwargs) -> None:
        kwargs.setdefault("name", "random-mnist")
        kwargs.setdefault("data_dir", ".")
        kwargs.setdefault("input_dim", 784)
        kwargs.setdefault("num_classes", 10)
        super().__init__(**kwargs)
        self.samples = samples

    def prepare_data(self) -> None:
        """Nothing to fetch."""

    def load_splits(self) -> Splits:
        rng = np.random.default_rng(0)
        x = (rng.random((self.samples, 784), dtype=np.float32) < 0.13).astype(np.float32)
        y = rng.integers(0, 10, self.samples)
        return Splits(x, y, x[:1000], y[:1000])


def build_module(cfg: DictConfig):
    module = instantiate(cfg.model, temperature=instantiate(cfg.temperature))
    return module


def machine() -> dict:
    """What the numbers were measured on."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1m": round(load[0], 2) if load else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }


def median(values: list[float]) -> float:
    return float(statistics.median(values))
