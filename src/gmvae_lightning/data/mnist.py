"""MNIST from the four official IDX files: 60,000 training and 10,000 test 28×28 digits."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.data.download import fetch_missing, verify
from gmvae_lightning.data.idx import read_idx
from gmvae_lightning.errors import UserError

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


def ensure_mnist_files(folder: Path, mirrors: Sequence[str], download_missing: bool) -> None:
    """Download the missing files when allowed; otherwise say which are missing and where."""
    missing = [name for name in MNIST_FILES if not (folder / name).exists()]
    why = fetch_missing(folder, missing, MNIST_FILES, mirrors, download_missing)
    if why:
        raise UserError(_missing_message(folder, missing, why))


def _missing_message(folder: Path, missing: list[str], why: str) -> str:
    return (
        f"MNIST files are missing from {folder}: {', '.join(missing)}. They could not be fetched "
        f"({why}). Put the official files there, or point paths.data_dir (environment variable "
        "GMVAE_DATA_DIR) at a folder holding mnist/, or train offline on scikit-learn's bundled "
        "digits with dataset=digits."
    )


def read_mnist(folder: Path) -> Splits:
    """Pixels scaled to [0, 1], flattened to 784 columns; each file is checked by sha256."""
    for name, sha256 in MNIST_FILES.items():
        verify(folder / name, sha256)

    def images(name: str) -> np.ndarray:
        array = read_idx(folder / name)
        return (array.reshape(len(array), -1) / np.float32(255.0)).astype(np.float32)

    return Splits(
        images("train-images-idx3-ubyte.gz"),
        read_idx(folder / "train-labels-idx1-ubyte.gz").astype(np.int64),
        images("t10k-images-idx3-ubyte.gz"),
        read_idx(folder / "t10k-labels-idx1-ubyte.gz").astype(np.int64),
    )


class MNISTDataModule(InMemoryDataModule):
    """Files under ``data_dir/mnist``; downloaded from ``mirrors`` if absent and allowed."""

    def __init__(
        self, *args, download: bool = True, mirrors: Sequence[str] = MNIST_MIRRORS, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.download, self.mirrors = download, tuple(mirrors)

    @property
    def folder(self) -> Path:
        return self.data_dir / "mnist"

    def prepare_data(self) -> None:
        ensure_mnist_files(self.folder, self.mirrors, self.download)

    def load_splits(self) -> Splits:
        ensure_mnist_files(self.folder, self.mirrors, download_missing=False)
        return read_mnist(self.folder)
