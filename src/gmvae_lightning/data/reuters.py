"""REUTERS-10K: 10,000 RCV1 news stories as 2,000 tf-idf features, 4 root topics.

Read from VaDE's ``reuters10k.mat`` (``X``, ``Y``) or DEC's ``reutersidf10k.npy`` (a pickled
dict with ``data`` and ``label``); when neither is present, built from RCV1 with scikit-learn's
``fetch_rcv1`` following DEC's recipe and cached as ``reutersidf10k.npy``. There is no
official test split: a seeded, stratified ``test_size`` hold-out is used (see docs/data.md).
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
import scipy.sparse
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import normalize

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.errors import UserError

MAT_FILE = "reuters10k.mat"
NPY_FILE = "reutersidf10k.npy"
# DEC's label order
ROOT_TOPICS = ("CCAT", "GCAT", "MCAT", "ECAT")
NUM_TERMS = 2000
NUM_DOCUMENTS = 10_000
RECIPE_SEED = 1234


def _dense(array: Any, path: Path, what: str) -> np.ndarray:
    if scipy.sparse.issparse(array):
        array = array.toarray()
    try:
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise UserError(f"{path}: {what} is not a numeric array ({error}).") from None


def _checked(path: Path, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` ``(N, D)`` float32, ``y`` ``(N,)`` int64 labels in 0..3."""
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if x.ndim != 2 or y.ndim != 1:
        raise UserError(
            f"{path}: expected features of shape (N, {NUM_TERMS}) and N labels, got "
            f"{x.shape} and {y.shape}; this is not a REUTERS-10K file."
        )
    if len(x) != len(y):
        raise UserError(
            f"{path}: {len(x)} documents but {len(y)} labels; there must be one label per "
            "document. The file is corrupted."
        )
    if len(y) and (not np.all(np.isfinite(y)) or np.any(y != np.round(y))):
        raise UserError(f"{path}: labels must be integers 0..3 ({', '.join(ROOT_TOPICS)}).")
    return x.astype(np.float32), y.astype(np.int64)


def read_reuters_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """VaDE's MATLAB file: ``X`` ``(N, 2000)`` and ``Y`` (``N`` labels, any 1-D layout)."""
    try:
        contents = scipy.io.loadmat(path)
    except (OSError, ValueError, TypeError, NotImplementedError) as error:
        raise UserError(
            f"{path} is not a readable MATLAB file ({error}); it is truncated or corrupted. "
            "Delete it and obtain it again."
        ) from None
    missing = [key for key in ("X", "Y") if key not in contents]
    if missing:
        found = sorted(key for key in contents if not key.startswith("__"))
        raise UserError(
            f"{path} has no variable {' or '.join(missing)} (found: {found}); VaDE's "
            "reuters10k.mat holds X (features) and Y (labels)."
        )
    return _checked(path, _dense(contents["X"], path, "X"), _dense(contents["Y"], path, "Y"))


def read_reuters_npy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """DEC's file: ``np.save`` of ``{'data': (N, 2000), 'label': (N,)}`` (a pickled dict)."""
    try:
        contents = np.load(path, allow_pickle=True)
    except (OSError, ValueError, EOFError) as error:
        raise UserError(
            f"{path} is not a readable .npy file ({error}); it is truncated or corrupted. "
            "Delete it and obtain it again."
        ) from None
    if isinstance(contents, np.ndarray) and contents.dtype == object and contents.ndim == 0:
        contents = contents.item()
    if not isinstance(contents, dict) or not {"data", "label"} <= set(contents):
        raise UserError(
            f"{path} does not hold DEC's dict with 'data' and 'label'; check the file "
            "(DEC saves np.save(path, {'data': x, 'label': y}))."
        )
    return _checked(
        path,
        _dense(contents["data"], path, "data"),
        _dense(contents["label"], path, "label"),
    )


def reuters_from_rcv1(
    data: scipy.sparse.spmatrix,
    target: scipy.sparse.spmatrix,
    target_names: Sequence[str],
    num_documents: int = NUM_DOCUMENTS,
    num_terms: int = NUM_TERMS,
    seed: int = RECIPE_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """DEC's recipe on RCV1 (``fetch_rcv1``'s ``data``, ``target``, ``target_names``).

    Documents labelled with exactly one of the four root topics; the ``num_terms`` terms that
    occur in most of those documents; ``num_documents`` of them drawn without replacement with
    ``seed`` (in drawn order); rows l2-normalised and scaled by ``sqrt(num_terms)`` as DEC does.
    RCV1's own tf-idf weights are kept (``fetch_rcv1`` carries no raw tokens to recount).
    Returns float32 ``(num_documents, num_terms)`` and int64 labels in DEC's order.
    """
    names = list(target_names)
    absent = [topic for topic in ROOT_TOPICS if topic not in names]
    if absent:
        raise UserError(f"RCV1 targets lack the root topics {absent}; this is not RCV1.")
    roots = scipy.sparse.csr_matrix(target)[:, [names.index(t) for t in ROOT_TOPICS]]
    roots = np.asarray(roots.todense()) != 0
    single = np.flatnonzero(roots.sum(axis=1) == 1)
    if len(single) < num_documents:
        raise UserError(
            f"RCV1 has only {len(single)} documents with exactly one root topic; "
            f"{num_documents} were asked for."
        )
    data = scipy.sparse.csr_matrix(data)[single]
    document_frequency = np.asarray((data != 0).sum(axis=0)).ravel()
    terms = np.sort(np.argsort(-document_frequency, kind="stable")[:num_terms])
    drawn = np.random.default_rng(seed).choice(len(single), num_documents, replace=False)
    x = normalize(data[drawn][:, terms], norm="l2").toarray() * np.sqrt(num_terms)
    y = roots[single[drawn]].argmax(axis=1)
    return x.astype(np.float32), y.astype(np.int64)


def build_reuters10k(folder: Path, fetch: Callable[..., Any]) -> Path:
    """Build DEC's file from RCV1 (downloaded by ``fetch``, i.e. ``fetch_rcv1``) and cache it."""
    try:
        rcv1 = fetch(data_home=str(folder / "rcv1"), download_if_missing=True)
    except (OSError, ValueError) as error:
        raise UserError(
            f"REUTERS-10K files are missing from {folder}: put VaDE's {MAT_FILE} or DEC's "
            f"{NPY_FILE} there, or allow a network connection so it can be built from RCV1 "
            f"(fetching RCV1 failed: {error})."
        ) from None
    x, y = reuters_from_rcv1(rcv1.data, rcv1.target, rcv1.target_names)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NPY_FILE
    partial = path.with_name(path.name + ".part.npy")
    np.save(partial, {"data": x, "label": y}, allow_pickle=True)
    partial.replace(path)
    return path


class ReutersDataModule(InMemoryDataModule):
    """Files under ``data_dir/reuters10k``; a seeded stratified ``test_size`` test split."""

    def __init__(
        self,
        *args,
        test_size: float = 0.2,
        build: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not 0 < test_size < 1:
            raise UserError(f"dataset.test_size must be in (0, 1), got {test_size}.")
        self.test_size, self.build = test_size, build

    @property
    def folder(self) -> Path:
        return self.data_dir / "reuters10k"

    def _present(self) -> Path | None:
        for name in (MAT_FILE, NPY_FILE):
            if (self.folder / name).exists():
                return self.folder / name
        return None

    def prepare_data(self) -> None:
        if self._present() is not None:
            return
        if not self.build:
            raise UserError(self._missing("building from RCV1 is off (dataset.build=false)"))
        from sklearn.datasets import fetch_rcv1

        build_reuters10k(self.folder, fetch_rcv1)

    def _missing(self, why: str) -> str:
        return (
            f"REUTERS-10K files are missing from {self.folder}: neither {MAT_FILE} (VaDE) nor "
            f"{NPY_FILE} (DEC) is there, and {why}. Put one of them there, or point "
            "paths.data_dir (environment variable GMVAE_DATA_DIR) at a folder holding "
            "reuters10k/."
        )

    def load_splits(self) -> Splits:
        path = self._present()
        if path is None:
            raise UserError(self._missing("prepare_data has not built it"))
        x, y = read_reuters_mat(path) if path.suffix == ".mat" else read_reuters_npy(path)
        if len(x) < 2:
            return Splits(x, y)  # the shared checks report the empty file
        _, counts = np.unique(y, return_counts=True)
        try:
            parts = train_test_split(
                x,
                y,
                test_size=self.test_size,
                stratify=y if counts.min() >= 2 else None,
                random_state=self.split_seed,
            )
        except ValueError:  # too few documents per topic to stratify
            parts = train_test_split(x, y, test_size=self.test_size, random_state=self.split_seed)
        x_train, x_test, y_train, y_test = parts
        return Splits(x_train, y_train, x_test, y_test)
