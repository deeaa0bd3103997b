"""Read prediction inputs and write prediction outputs.

Inputs: ``.npy``, ``.npz`` (the array ``x``, or the only array), ``.csv`` (numbers, an optional
header row), and the raw MNIST IDX files (``*-ubyte`` or ``*-ubyte.gz``, pixels scaled to
[0, 1] as training does). Kept small so it can give way to ``dataset=files``' reader.
Outputs: ``.csv`` (one row per input) or ``.npz`` (one array per quantity).
"""

import csv
import zipfile
from pathlib import Path

import numpy as np

from gmvae_lightning.data.idx import read_idx
from gmvae_lightning.errors import UserError

INPUT_FORMATS = ".npy, .npz, .csv, or an MNIST IDX file (*-ubyte, *-ubyte.gz)"
OUTPUT_FORMATS = (".csv", ".npz")


def is_idx(path: Path) -> bool:
    return path.name.removesuffix(".gz").endswith("-ubyte")


def read_inputs(path: str | Path) -> np.ndarray:
    """The rows to cluster, as float32 ``(N, ...)``; images are flattened by the caller."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"input file {path} does not exist; pass input=<file> ({INPUT_FORMATS}).")
    suffix = path.suffix.lower()
    if is_idx(path):
        array = read_idx(path)
        if array.dtype == np.uint8 and array.ndim > 1:
            return (array / np.float32(255.0)).astype(np.float32)
        return array.astype(np.float32)
    if suffix == ".npy":
        return _as_float(_load_numpy(path), path)
    if suffix == ".npz":
        return _as_float(_npz_array(path), path)
    if suffix == ".csv":
        return _read_csv(path)
    raise UserError(f"input {path}: unknown file type {suffix!r}; use {INPUT_FORMATS}.")


def _load_numpy(path: Path):
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise UserError(f"input {path} is not a readable NumPy file ({error}).") from None


def _npz_array(path: Path) -> np.ndarray:
    archive = _load_numpy(path)
    names = list(archive.keys())
    if "x" in names:
        return archive["x"]
    if len(names) == 1:
        return archive[names[0]]
    raise UserError(
        f"input {path} holds the arrays {names}; name the inputs 'x' (np.savez(path, x=...))."
    )


def _read_csv(path: Path) -> np.ndarray:
    with path.open(newline="") as stream:
        rows = [row for row in csv.reader(stream) if row]
    if rows and not _numeric(rows[0]):
        rows = rows[1:]
    try:
        array = np.array([[float(v) for v in row] for row in rows], dtype=np.float32)
    except ValueError as error:
        raise UserError(f"input {path}: a value is not a number ({error}).") from None
    if array.ndim != 2 or not len(array):
        raise UserError(f"input {path}: expected rows of equal length, one sample per row.")
    return array


def _numeric(row: list[str]) -> bool:
    try:
        [float(v) for v in row]
    except ValueError:
        return False
    return True


def _as_float(array: np.ndarray, path: Path) -> np.ndarray:
    if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        raise UserError(f"input {path} holds {array.dtype} values; expected numbers.")
    return np.asarray(array, dtype=np.float32)


def check_output_path(path: str | Path) -> Path:
    """``path`` if its type is known and its folder can be created and written; else a UserError."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise UserError(f"output {path}: use a .csv or .npz file name.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(path.name + ".probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UserError(
            f"cannot write the output {path}: {error.strerror or error}; choose a folder you "
            "can write to."
        ) from None
    return path


def write_predictions(path: Path, predictions: dict[str, np.ndarray]) -> None:
    """CSV columns ``cluster, probability, q_0.., z_0..``; NPZ arrays under the same keys."""
    if path.suffix.lower() == ".npz":
        np.savez(path, **predictions)
        return
    q_c, latent = predictions["q_c"], predictions["latent_mean"]
    header = ["cluster", "probability"]
    header += [f"q_{k}" for k in range(q_c.shape[1])]
    header += [f"z_{j}" for j in range(latent.shape[1])]
    table = np.column_stack([predictions["cluster"], predictions["probability"], q_c, latent])
    formats = ["%d"] + ["%.9g"] * (table.shape[1] - 1)
    np.savetxt(path, table, fmt=formats, delimiter=",", header=",".join(header), comments="")
