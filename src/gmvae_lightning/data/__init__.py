"""LightningDataModules: whole splits held as tensors, batches cut from a permutation."""

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.data.digits import DigitsDataModule
from gmvae_lightning.data.files import FilesDataModule
from gmvae_lightning.data.mnist import MNISTDataModule
from gmvae_lightning.data.reuters import ReutersDataModule
from gmvae_lightning.data.usps import USPSDataModule

__all__ = [
    "DigitsDataModule",
    "FilesDataModule",
    "InMemoryDataModule",
    "MNISTDataModule",
    "ReutersDataModule",
    "Splits",
    "USPSDataModule",
]
