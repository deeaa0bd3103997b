"""Checks every dataset's arrays pass before training, so bad input fails with a clear message.

Each check names the dataset and split, says what is wrong and what to do; nothing here lets a
NaN, a label mismatch or an impossible K reach numpy or torch internals.
"""

import numpy as np

from gmvae_lightning.errors import UserError


def check_inputs(name: str, split: str, x: np.ndarray, input_dim: int | None) -> None:
    """``x`` is a non-empty, finite, numeric ``(N, input_dim)`` array."""
    if x.ndim != 2:
        raise UserError(
            f"{name}: {split} inputs have shape {x.shape}, expected (samples, features); "
            "check the file."
        )
    if len(x) == 0 or x.shape[1] == 0:
        raise UserError(
            f"{name}: the {split} split is empty (shape {x.shape}); check that the file holds data."
        )
    if input_dim is not None and x.shape[1] != input_dim:
        raise UserError(
            f"{name}: {split} inputs have shape {x.shape}, expected (N, {input_dim}); "
            "check the file or dataset.input_dim."
        )
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise UserError(f"{name}: {split} inputs have dtype {x.dtype}; real numbers are needed.")
    finite = np.isfinite(x)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise UserError(
            f"{name}: {split} inputs hold {int((~finite).sum())} NaN or infinite values, in "
            f"{len(rows)} samples (first: row {int(rows[0])}); remove or impute them first."
        )


def check_labels(
    name: str, split: str, y: np.ndarray | None, count: int, num_classes: int | None
) -> None:
    """``y`` has one integer label per sample, each in ``[0, num_classes)``."""
    if y is None:
        return
    if y.ndim != 1 or len(y) != count:
        raise UserError(
            f"{name}: {split} has {count} samples but {y.shape[0] if y.ndim else 0} labels "
            f"(label array shape {y.shape}); there must be one label per sample."
        )
    if num_classes is not None and len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise UserError(
            f"{name}: {split} labels range over [{y.min()}, {y.max()}] but the dataset has "
            f"{num_classes} classes (labels 0..{num_classes - 1}); check the labels or "
            "dataset.num_classes."
        )


def check_reconstruction(name: str, reconstruction: str, arrays: list[np.ndarray]) -> None:
    """A Bernoulli likelihood is defined only for data in [0, 1]."""
    if reconstruction != "bernoulli":
        return
    low = min(float(x.min()) for x in arrays)
    high = max(float(x.max()) for x in arrays)
    if low < 0.0 or high > 1.0:
        raise UserError(
            f"{name}: Bernoulli reconstruction needs data in [0, 1] but the values range over "
            f"[{low:.4g}, {high:.4g}]; set dataset.reconstruction=gaussian, or scale the data "
            "into [0, 1] (for dataset=files: dataset.scaling=minmax)."
        )


def check_num_clusters(name: str, num_clusters: int | None, num_samples: int) -> None:
    """``2 <= K <= N``: fewer than two clusters is no clustering, more than N leaves some empty."""
    if num_clusters is None:
        raise UserError(
            f"{name}: the number of clusters is unknown (the data have no labels); "
            "set model.num_clusters=K."
        )
    if num_clusters < 2:
        raise UserError(f"model.num_clusters must be at least 2, got {num_clusters}.")
    if num_clusters > num_samples:
        raise UserError(
            f"model.num_clusters={num_clusters} is larger than the number of samples "
            f"({num_samples}) in {name}; choose K <= {num_samples}."
        )


def check_splits(
    name: str,
    x_train: np.ndarray,
    y_train: np.ndarray | None,
    x_test: np.ndarray | None,
    y_test: np.ndarray | None,
    input_dim: int | None,
    num_classes: int | None,
    reconstruction: str,
    num_clusters: int | None = None,
) -> None:
    """All the checks above, for the training split and the optional test split."""
    check_inputs(name, "train", x_train, input_dim)
    check_labels(name, "train", y_train, len(x_train), num_classes)
    arrays = [x_train]
    if x_test is not None:
        check_inputs(name, "test", x_test, input_dim or x_train.shape[1])
        check_labels(name, "test", y_test, len(x_test), num_classes)
        if (y_train is None) != (y_test is None):
            raise UserError(
                f"{name}: only one of the train and test splits has labels; give labels for "
                "both or for neither."
            )
        arrays.append(x_test)
    check_reconstruction(name, reconstruction, arrays)
    if num_clusters is not None:
        check_num_clusters(name, num_clusters, len(x_train))
