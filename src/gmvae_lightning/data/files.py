"""A user's own data: ``.npy``, ``.npz`` (``x``, optional ``y``), ``.csv`` or IDX files.

Inputs are flattened to ``(N, features)`` and scaled (``minmax`` / ``standard`` / ``none``,
fitted on train and test together: clustering is unsupervised). Labels are optional and may be
any values; they are encoded as ``0..C-1`` in sorted order. What only the data can tell (the
input width, the class count, the reconstruction for ``auto``) is filled in by ``describe``.
"""

import csv
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from gmvae_lightning.data.base import InMemoryDataModule, Splits
from gmvae_lightning.data.idx import read_idx
from gmvae_lightning.data.validate import check_inputs
from gmvae_lightning.errors import UserError

SCALINGS = ("minmax", "standard", "none")
RECONSTRUCTIONS = ("auto", "bernoulli", "gaussian")


def _existing(path: str | Path, key: str) -> Path:
    """The file at ``path``; a missing or empty one is named together with its folder."""
    path = Path(path).expanduser().absolute()
    if not path.is_file():
        folder = path.parent
        listing = sorted(p.name for p in folder.iterdir())[:20] if folder.is_dir() else None
        where = f"it holds {listing}" if listing is not None else "that folder does not exist"
        raise UserError(f"{key}: no file {path.name} in {folder} ({where}); check dataset.{key}.")
    if path.stat().st_size == 0:
        raise UserError(f"{key}: {path} is empty (0 bytes); check the file.")
    return path


def _is_idx(path: Path) -> bool:
    return path.suffix == ".gz" or "idx" in path.name or "ubyte" in path.name


def read_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise UserError(
            f"{path} is not a readable .npy array of numbers ({error}); it is truncated, "
            "corrupted or holds Python objects. Save it with np.save(path, array)."
        ) from None


def read_npz(path: Path, x_key: str, y_key: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            if x_key not in keys:
                raise UserError(
                    f"{path} has no array {x_key!r} (it holds {keys}); save the inputs as "
                    f"np.savez(path, {x_key}=x[, {y_key}=y]) or set dataset.x_key."
                )
            x = archive[x_key]
            y = archive[y_key] if y_key in keys else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise UserError(
            f"{path} is not a readable .npz archive of numeric arrays ({error}); it is "
            "truncated or corrupted. Save it with np.savez(path, x=x, y=y)."
        ) from None
    return x, y


def _as_float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def read_csv(path: Path, label_column: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Numeric columns; the first line is a header unless every field in it is a number."""
    with path.open(newline="") as stream:
        rows = [row for row in csv.reader(stream) if row]
    if not rows:
        raise UserError(f"{path} holds no rows; check the file.")
    has_header = any(_as_float(field) is None for field in rows[0])
    header = [name.strip() for name in rows[0]] if has_header else None
    names = header or [str(i) for i in range(len(rows[0]))]
    body = rows[1:] if has_header else rows
    if not body:
        raise UserError(f"{path} has a header but no data rows; check the file.")
    for number, row in enumerate(body, start=2 if has_header else 1):
        if len(row) != len(names):
            raise UserError(
                f"{path}, line {number}: {len(row)} fields, but the header has {len(names)}; "
                "every row needs the same columns."
            )
    if label_column is not None and label_column not in names:
        raise UserError(
            f"{path} has no column {label_column!r} (columns: {names}); set "
            "dataset.label_column to one of them, or to null when there are no labels."
        )
    columns = list(zip(*body, strict=True))
    features = []
    for name, column in zip(names, columns, strict=True):
        if name == label_column:
            continue
        values = [_as_float(field) for field in column]
        if None in values:
            row = values.index(None)
            raise UserError(
                f"{path}: column {name!r} is not numeric (line {row + 1 + has_header}: "
                f"{column[row]!r}); remove the column, or name it with dataset.label_column "
                "if it holds the labels."
            )
        features.append(values)
    if not features:
        raise UserError(f"{path} has no feature columns besides the label column.")
    x = np.array(features, dtype=np.float64).T
    y = None
    if label_column is not None:
        y = np.array([field.strip() for field in columns[names.index(label_column)]])
    return x, y


def read_inputs(
    path: Path, x_key: str, y_key: str, label_column: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(x, y or None)`` from a file of any supported kind."""
    if path.suffix == ".npy":
        return read_npy(path), None
    if path.suffix == ".npz":
        return read_npz(path, x_key, y_key)
    if path.suffix == ".csv":
        return read_csv(path, label_column)
    if _is_idx(path):
        return read_idx(path), None
    raise UserError(
        f"{path}: unsupported file type {path.suffix!r}; use .npy, .npz, .csv or IDX (raw or .gz)."
    )


def read_labels(path: Path) -> np.ndarray:
    """A separate label file: ``.npy`` or IDX."""
    return read_npy(path) if path.suffix == ".npy" else read_idx(path)


def _flat(x: np.ndarray, path: Path) -> np.ndarray:
    if x.ndim < 2:
        raise UserError(
            f"{path}: inputs have shape {x.shape}; expected (samples, features) or "
            "(samples, height, width[, channels])."
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise UserError(f"{path}: inputs have dtype {x.dtype}; numbers are needed.")
    return x.reshape(len(x), int(np.prod(x.shape[1:]))).astype(np.float64)


def scale(arrays: list[np.ndarray], how: str, per: str) -> list[np.ndarray]:
    """Scale with statistics of all ``arrays`` together, per feature column or over all values."""
    joined = np.concatenate(arrays)
    axis = 0 if per == "feature" else None
    if how == "minmax":
        low, high = joined.min(axis=axis), joined.max(axis=axis)
        shift, span = low, np.where(high > low, high - low, 1.0)
    elif how == "standard":
        shift, span = joined.mean(axis=axis), joined.std(axis=axis)
        span = np.where(span > 0, span, 1.0)
    else:
        return arrays
    return [(x - shift) / span for x in arrays]


def encode_labels(labels: list[np.ndarray]) -> tuple[list[np.ndarray], list[Any]]:
    """Labels of any type as ``0..C-1`` (sorted classes), and the classes."""
    for y in labels:
        if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
            raise UserError("the labels hold NaN or infinite values; fix the label column/file.")
    classes, codes = np.unique(np.concatenate([np.ravel(y) for y in labels]), return_inverse=True)
    bounds = np.cumsum([0] + [y.size for y in labels])
    encoded = [
        codes[a:b].reshape(y.shape) for a, b, y in zip(bounds[:-1], bounds[1:], labels, strict=True)
    ]
    return encoded, classes.tolist()


class FilesDataModule(InMemoryDataModule):
    """``path`` (train) and optional ``test_path``; labels from the file (``y`` in an ``.npz``,
    ``label_column`` of a CSV) or from ``labels_path`` / ``test_labels_path``."""

    def __init__(
        self,
        *args,
        path: str | None = None,
        test_path: str | None = None,
        labels_path: str | None = None,
        test_labels_path: str | None = None,
        x_key: str = "x",
        y_key: str = "y",
        label_column: str | None = None,
        scaling: str = "minmax",
        scale_per: str = "feature",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if path is None:
            raise UserError("dataset=files needs a file: set dataset.path=FILE.")
        if scaling not in SCALINGS:
            raise UserError(f"dataset.scaling must be one of {SCALINGS}, got {scaling!r}.")
        if scale_per not in ("feature", "all"):
            raise UserError(f"dataset.scale_per must be 'feature' or 'all', got {scale_per!r}.")
        if self.reconstruction not in RECONSTRUCTIONS:
            raise UserError(
                f"dataset.reconstruction must be one of {RECONSTRUCTIONS}, got "
                f"{self.reconstruction!r}."
            )
        self.path, self.test_path = path, test_path
        self.labels_path, self.test_labels_path = labels_path, test_labels_path
        self.x_key, self.y_key, self.label_column = x_key, y_key, label_column
        self.scaling, self.scale_per = scaling, scale_per
        self.class_names: list[Any] | None = None
        self._splits: Splits | None = None
        self._sample_shape: list[int] = []

    def prepare_data(self) -> None:
        """Nothing to fetch: the files are the user's."""

    def _read(self, key: str, labels_key: str) -> tuple[np.ndarray, np.ndarray | None, Path]:
        path = _existing(getattr(self, key), key)
        x, y = read_inputs(path, self.x_key, self.y_key, self.label_column)
        labels_path = getattr(self, labels_key)
        if labels_path is not None:
            y = read_labels(_existing(labels_path, labels_key))
        if y is not None and y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if key == "path":
            self._sample_shape = [int(n) for n in x.shape[1:]]
        return _flat(x, path), y, path

    def load_splits(self) -> Splits:
        if self._splits is not None:
            return self._splits
        x_train, y_train, path = self._read("path", "labels_path")
        x_test = y_test = None
        if self.test_path is not None:
            x_test, y_test, test_path = self._read("test_path", "test_labels_path")
            if x_test.shape[1] != x_train.shape[1]:
                raise UserError(
                    f"{test_path} has {x_test.shape[1]} features per sample but {path} has "
                    f"{x_train.shape[1]}; both files must hold the same kind of data."
                )
        check_inputs(str(path), "train", x_train, None)
        arrays = [x_train]
        if x_test is not None:
            check_inputs(str(self.test_path), "test", x_test, None)
            arrays.append(x_test)
        scaled = scale(arrays, self.scaling, self.scale_per)
        x_train = scaled[0].astype(np.float32)
        x_test = scaled[1].astype(np.float32) if x_test is not None else None
        y_train, y_test = self._encode(y_train, y_test)
        if self.input_dim is None:
            self.input_dim = x_train.shape[1]
        if self.input_shape is None:
            shape = self._sample_shape
            self.input_shape = [1, *shape] if len(shape) == 2 else shape
        if self.reconstruction == "auto":
            inside = all(x.min() >= 0.0 and x.max() <= 1.0 for x in scaled)
            self.reconstruction = "bernoulli" if inside else "gaussian"
        self._splits = Splits(x_train, y_train, x_test, y_test)
        return self._splits

    def _encode(
        self, y_train: np.ndarray | None, y_test: np.ndarray | None
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        labels = [y for y in (y_train, y_test) if y is not None]
        if not labels:
            if self.num_classes is not None:
                raise UserError(
                    f"dataset.num_classes={self.num_classes} but {self.path} has no labels; "
                    "leave dataset.num_classes=null, or give labels (y in the .npz, "
                    "dataset.label_column, or dataset.labels_path)."
                )
            return None, None
        encoded, classes = encode_labels(labels)
        if self.num_classes is not None and self.num_classes != len(classes):
            raise UserError(
                f"dataset.num_classes={self.num_classes} but the labels hold {len(classes)} "
                "classes; leave dataset.num_classes=null to take it from the labels."
            )
        self.num_classes, self.class_names = len(classes), classes
        if y_train is None:
            return None, encoded[0]
        return encoded[0], encoded[1] if y_test is not None else None

    def describe(self) -> dict[str, Any]:
        """The dataset config values only the data can tell; ``train.py`` fills them in."""
        self.load_splits()
        return {
            "input_dim": self.input_dim,
            "input_shape": self.input_shape,
            "num_classes": self.num_classes,
            "reconstruction": self.reconstruction,
        }
