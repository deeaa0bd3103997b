"""USPS: 9,298 16×16 digits, the standard 7,291 training / 2,007 test split.

Two published forms are read: the ESL book's ``zip.train.gz`` / ``zip.test.gz`` (text: the
label, then 256 grey values in [-1, 1]) and the HDF5 ``usps.h5`` (groups ``train`` / ``test``
with ``data`` in [0, 1] and ``target``). Both are scaled to [0, 1]; they hold the same data.
"""

import gzip
import io
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.data.download import fetch_missing, verify
from gmvae_lightning.errors import UserError

ESL_FILES = {
    "zip.train.gz": "66ebf231ab51f2cf6ac1a892d0f98ccffee1079d7a5db638c1f11f366046ca16",
    "zip.test.gz": "8dacc3c6e136af6c3488de9e5113a7daf140c8c2f1f0b61c54ee02f03f1a962f",
}
H5_FILE = "usps.h5"
H5_SHA256 = "734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36"
# base URLs holding the ESL pair; the file name is appended
USPS_MIRRORS = (
    "https://hastie.su.domains/ElemStatLearn/datasets/",
    "https://raw.githubusercontent.com/robintux/Datasets4StackOverFlowQuestions/"
    "57a571f9d984e0bd730683dfa014751fbc28b1b7/",
)
PIXELS = 256


def read_esl_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One ESL file: ``(x, y)`` with ``x`` in [0, 1], shape ``(N, 256)``, and int64 labels."""
    try:
        text = gzip.decompress(path.read_bytes()).decode("ascii")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise UserError(
            f"{path} is not a readable gzip text file ({error}); it is probably truncated or "
            "corrupted. Delete it and download it again."
        ) from None
    if not text.strip():
        raise UserError(f"{path} holds no rows; the file is empty. Download it again.")
    try:
        table = np.loadtxt(io.StringIO(text), dtype=np.float64, ndmin=2)
    except ValueError as error:
        reason = str(error).split(";")[0]
        raise UserError(
            f"{path} is not the ESL USPS text file ({reason}); it is truncated or corrupted. "
            "Delete it and download it again."
        ) from None
    if table.shape[1] != PIXELS + 1:
        raise UserError(
            f"{path}: rows hold {table.shape[1]} values, expected {PIXELS + 1} (a label and "
            f"{PIXELS} grey values); this is not the ESL USPS file."
        )
    x = ((table[:, 1:] + 1.0) / 2.0).astype(np.float32)
    return x, table[:, 0].astype(np.int64)


def read_usps_esl(folder: Path) -> Splits:
    """The ESL pair, each file checked by sha256."""
    for name, sha256 in ESL_FILES.items():
        verify(folder / name, sha256)
    x_train, y_train = read_esl_file(folder / "zip.train.gz")
    x_test, y_test = read_esl_file(folder / "zip.test.gz")
    return Splits(x_train, y_train, x_test, y_test)


def read_usps_h5(path: Path, check_sha256: bool = True) -> Splits:
    """The HDF5 form; ``data`` is already in [0, 1]."""
    import h5py

    if check_sha256:
        verify(path, H5_SHA256)
    arrays = {}
    try:
        with h5py.File(path, "r") as store:
            for split in ("train", "test"):
                arrays[split] = (
                    np.asarray(store[split]["data"][:], dtype=np.float32),
                    np.asarray(store[split]["target"][:]).astype(np.int64),
                )
    except (OSError, KeyError) as error:
        raise UserError(
            f"{path} is not a USPS HDF5 file with groups train/test holding data and target "
            f"({error}); check the file or download it again."
        ) from None
    return Splits(*arrays["train"], *arrays["test"])


def ensure_usps_files(folder: Path, mirrors: Sequence[str], download_missing: bool) -> None:
    """Either form present is enough; otherwise fetch the ESL pair when allowed."""
    if (folder / H5_FILE).exists() or all((folder / name).exists() for name in ESL_FILES):
        return
    missing = [name for name in ESL_FILES if not (folder / name).exists()]
    why = fetch_missing(folder, missing, ESL_FILES, mirrors, download_missing)
    if why is None:
        return
    raise UserError(
        f"USPS files are missing from {folder}: {', '.join(missing)} (or {H5_FILE} instead). "
        f"They could not be fetched ({why}). Put the files there, or point paths.data_dir "
        "(environment variable GMVAE_DATA_DIR) at a folder holding usps/."
    )


class USPSDataModule(InMemoryDataModule):
    """Files under ``data_dir/usps``: the ESL pair if present, else ``usps.h5``."""

    def __init__(
        self, *args, download: bool = True, mirrors: Sequence[str] = USPS_MIRRORS, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.download, self.mirrors = download, tuple(mirrors)

    @property
    def folder(self) -> Path:
        return self.data_dir / "usps"

    def prepare_data(self) -> None:
        ensure_usps_files(self.folder, self.mirrors, self.download)

    def load_splits(self) -> Splits:
        ensure_usps_files(self.folder, self.mirrors, download_missing=False)
        if all((self.folder / name).exists() for name in ESL_FILES):
            return read_usps_esl(self.folder)
        return read_usps_h5(self.folder / H5_FILE)
