"""Exact resume: atomic checkpoint files, the random state, and the ``ckpt_path=last`` shortcut.

Lightning restores the weights, the optimiser, the epoch and the global step (and with them the
temperature schedule, a pure function of both, and the data order, seeded by
``PL_GLOBAL_SEED + epoch``). It does not restore the global random generators that draw the
Gumbel and Gaussian noise; ``RandomStateCheckpoint`` does.
"""

import os
import random
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.fabric.utilities.cloud_io import get_filesystem
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO

from gmvae_lightning.errors import UserError

LAST = "last"


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes ``path.tmp``, flushes it to disk, then renames it over ``path``.

    A kill during the write leaves the previous checkpoint intact (``os.replace`` is atomic on
    one filesystem); only a stale ``.tmp`` file can remain, which the next save overwrites.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any | None = None
    ) -> None:
        if storage_options is not None or get_filesystem(path).protocol not in ("file", "local"):
            return super().save_checkpoint(checkpoint, path, storage_options)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".tmp")
        with partial.open("wb") as stream:
            torch.save(checkpoint, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)


class LastCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` that writes ``last.ckpt`` every ``every_n_epochs`` epochs.

    Since Lightning 2.5 ``save_last=True`` with ``save_top_k=0`` writes ``last.ckpt`` only when
    training ends, so a killed run would lose everything; here it is written at the end of
    each epoch (after validation), the moment Lightning would save a top-k checkpoint.
    """

    def _save_last_every_epoch(self, trainer: L.Trainer) -> None:
        if not self.save_last or self._should_skip_saving_checkpoint(trainer):
            return
        if self._every_n_epochs >= 1 and (trainer.current_epoch + 1) % self._every_n_epochs == 0:
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if self._should_save_on_train_epoch_end(trainer):
            self._save_last_every_epoch(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not self._should_save_on_train_epoch_end(trainer):
            self._save_last_every_epoch(trainer)


def random_state() -> dict[str, Any]:
    """The global generators of torch (CPU and CUDA), NumPy and Python.

    Only tensors, ints, floats and tuples, so Lightning's ``weights_only`` loading accepts it.
    """
    name, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": (name, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached),
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class RandomStateCheckpoint(L.Callback):
    """Saves the global random state with every checkpoint and restores it on resume.

    The state is captured when the checkpoint is written (the end of an epoch, after
    validation) and set back at ``on_train_start``, after everything that runs between loading
    a checkpoint and the first training batch, so the resumed run draws the same noise (or at
    ``on_fit_end`` when the checkpoint's run had already finished training).
    Under DDP only rank 0's state is saved; exact resume is guaranteed for one process.
    """

    def __init__(self) -> None:
        self.loaded: dict[str, Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        return {"random_state": random_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.loaded = state_dict.get("random_state")

    def _restore(self) -> None:
        if self.loaded is not None:
            set_random_state(self.loaded)
            self.loaded = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._restore()

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """A checkpoint of a finished run trains no epoch; test from its random state."""
        self._restore()


def resolve_ckpt_path(ckpt_path: str | None, output_dir: str | Path) -> Path | None:
    """``ckpt_path`` as a file path; ``last`` means ``<run folder>/checkpoints/last.ckpt``."""
    if ckpt_path is None or str(ckpt_path) == "":
        return None
    if str(ckpt_path) != LAST:
        return Path(str(ckpt_path)).expanduser()
    path = Path(output_dir) / "checkpoints" / "last.ckpt"
    if not path.is_file():
        raise UserError(
            f"ckpt_path=last: there is no checkpoint at {path}. ckpt_path=last resumes the run "
            "folder given by hydra.run.dir=<run folder> (without it Hydra starts a new, empty "
            "folder); or pass ckpt_path=<run folder>/checkpoints/last.ckpt."
        )
    return path


def prepare_resume(
    ckpt_path: str | None, output_dir: str | Path, module: L.LightningModule
) -> str | None:
    """The checkpoint to resume from, checked to exist, to be ours and to fit ``module``."""
    from gmvae_lightning.checkpoint import check_weights_fit, read_checkpoint

    path = resolve_ckpt_path(ckpt_path, output_dir)
    if path is None:
        return None
    check_weights_fit(module, read_checkpoint(path)["state_dict"], path)
    return str(path)
