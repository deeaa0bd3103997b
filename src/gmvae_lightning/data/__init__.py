"""LightningDataModules: whole splits held as tensors, batches cut from a permutation."""

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.data.digits import DigitsDataModule
from gmvae_lightning.data.mnist import MNISTDataModule

__all__ = ["DigitsDataModule", "InMemoryDataModule", "MNISTDataModule", "Splits"]
