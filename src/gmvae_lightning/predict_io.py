"""Read prediction inputs and write prediction outputs.

Inputs are read by the ``dataset=files`` readers: ``.npy``, ``.npz`` (the array ``x``),
``.csv`` (numbers, an optional header row) and IDX files (raw or ``.gz``); 8-bit IDX images are
scaled to [0, 1] as MNIST training does. Outputs: ``.csv`` (one row per input) or ``.npz``
(one array per quantity).
"""

from pathlib import Path

import numpy as np

from gmvae_lightning.data import files
from gmvae_lightning.errors import UserError

INPUT_FORMATS = ".npy, .npz (array x), .csv, or an IDX file (raw or .gz)"
OUTPUT_FORMATS = (".csv", ".npz")


def read_inputs(path: str | Path) -> np.ndarray:
    """The rows to cluster, as float32 ``(N, ...)``; images are flattened by the caller."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"input file {path} does not exist; pass input=<file> ({INPUT_FORMATS}).")
    x, _ = files.read_inputs(path, x_key="x", y_key="y", label_column=None)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise UserError(f"input {path} holds {x.dtype} values; expected numbers.")
    if x.dtype == np.uint8 and x.ndim > 2:
        return (x / np.float32(255.0)).astype(np.float32)
    return x.astype(np.float32)


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
