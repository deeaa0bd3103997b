"""The in-memory DataModule every dataset builds on."""

import os
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch import Tensor

from gmvae_lightning.data.loader import ShardedBatchSampler, TensorBatchLoader
from gmvae_lightning.data.validate import check_splits
from gmvae_lightning.errors import UserError

UNLABELLED = -1


@dataclass
class Splits:
    """Flattened float32 inputs ``(N, D)`` and int64 labels ``(N,)`` (``None`` when unknown)."""

    x_train: np.ndarray
    y_train: np.ndarray | None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


class InMemoryDataModule(L.LightningDataModule):
    """Loads a dataset once into tensors and serves train / val / test / all splits.

    - ``val_size``: a seeded hold-out of the training split (a fraction < 1 or a count; 0 = none).
    - ``test``: the dataset's official test split; ``all``: the full training split plus test
      (the DEC / VaDE protocol). ``batch_size`` is per device (per process under DDP), so the
      global batch is ``batch_size × devices``.
    - ``model_defaults``: model settings this dataset wants unless the user overrides them
      (``latent_dim``, loss weights, layer sizes); ``conf/model/*.yaml`` read them by
      interpolation, the data module itself does not use them.
    - ``on_device``: move each split to the accelerator once, the first time it is served, so
      that no batch is copied from host memory (MNIST is ~0.2 GB per copy of a split).
    """

    def __init__(
        self,
        name: str,
        data_dir: str | Path,
        input_dim: int,
        num_classes: int | None,
        reconstruction: str = "bernoulli",
        batch_size: int = 64,
        eval_batch_size: int = 1024,
        val_size: float = 0.1,
        split_seed: int = 0,
        input_shape: list[int] | None = None,
        model_defaults: dict | None = None,
        num_clusters: int | None = None,
        on_device: bool = False,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise UserError(f"dataset.batch_size must be >= 1, got {batch_size}.")
        if val_size < 0:
            raise UserError(f"dataset.val_size must be >= 0, got {val_size}.")
        self.name, self.data_dir = name, Path(data_dir).expanduser().absolute()
        self.input_dim, self.num_classes = input_dim, num_classes
        self.reconstruction, self.input_shape = reconstruction, input_shape
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.val_size, self.split_seed = val_size, split_seed
        self.model_defaults = dict(model_defaults or {})
        # K, checked against the sample count in setup; train.py sets it from model.num_clusters
        self.num_clusters = num_clusters
        self.on_device = on_device
        self.tensors: dict[str, tuple[Tensor, Tensor]] = {}

    def load_splits(self) -> Splits:
        """Read the dataset's files into arrays; subclasses implement this."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        splits = self.load_splits()
        self._check(splits)
        x, y = splits.x_train, self._labels(splits.y_train, len(splits.x_train))
        train_index, val_index = self._holdout(len(x))
        self.tensors["train"] = self._as_tensors(x[train_index], y[train_index])
        if len(val_index):
            self.tensors["val"] = self._as_tensors(x[val_index], y[val_index])
        all_x, all_y = [x], [y]
        if splits.x_test is not None:
            y_test = self._labels(splits.y_test, len(splits.x_test))
            self.tensors["test"] = self._as_tensors(splits.x_test, y_test)
            all_x.append(splits.x_test)
            all_y.append(y_test)
        self.tensors["all"] = self._as_tensors(np.concatenate(all_x), np.concatenate(all_y))
        if self.batch_size > len(self.tensors["train"][0]):
            raise UserError(
                f"dataset.batch_size={self.batch_size} is larger than the training set "
                f"({len(self.tensors['train'][0])} samples); choose a smaller batch size."
            )

    def _check(self, splits: Splits) -> None:
        """Shapes, finite values, labels, the reconstruction's range and K (``validate``)."""
        check_splits(
            self.name,
            splits.x_train,
            splits.y_train,
            splits.x_test,
            splits.y_test,
            self.input_dim,
            self.num_classes,
            self.reconstruction,
            self.num_clusters,
        )

    @staticmethod
    def _labels(y: np.ndarray | None, count: int) -> np.ndarray:
        return np.full(count, UNLABELLED, dtype=np.int64) if y is None else y.astype(np.int64)

    def _holdout(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        size = round(self.val_size * count) if self.val_size < 1 else int(self.val_size)
        if size >= count:
            raise UserError(
                f"dataset.val_size={self.val_size} leaves no training data ({count} samples)."
            )
        order = np.random.default_rng(self.split_seed).permutation(count)
        return np.sort(order[size:]), np.sort(order[:size])

    @staticmethod
    def _as_tensors(x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(y)

    @property
    def has_labels(self) -> bool:
        return self.num_classes is not None

    def _served(self, split: str) -> tuple[Tensor, Tensor]:
        """The split's tensors, moved to the accelerator first when ``on_device``."""
        tensors = self.tensors[split]
        if self.on_device and self.trainer is not None:
            device = self.trainer.strategy.root_device
            if tensors[0].device != device:
                tensors = tuple(t.to(device) for t in tensors)
                self.tensors[split] = tensors
        return tensors

    def _loader(self, split: str, shuffle: bool) -> TensorBatchLoader:
        tensors = self._served(split)
        rank, world = (
            (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)
        )
        sampler = ShardedBatchSampler(
            len(tensors[0]),
            self.batch_size if shuffle else self.eval_batch_size,
            shuffle=shuffle,
            seed=int(os.environ.get("PL_GLOBAL_SEED", 0)),
            rank=rank,
            world_size=world,
        )
        return TensorBatchLoader(tensors, sampler)

    def train_dataloader(self) -> TensorBatchLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> TensorBatchLoader | list:
        return self._loader("val", shuffle=False) if "val" in self.tensors else []

    def test_dataloader(self) -> list[TensorBatchLoader]:
        return [self._loader(split, shuffle=False) for split in self.test_split_names]

    @property
    def test_split_names(self) -> list[str]:
        """Prefixes of the test-time loaders, in order: ``test`` (if any) then ``all``."""
        return [name for name in ("test", "all") if name in self.tensors]

    def split(self, name: str) -> tuple[Tensor, Tensor]:
        """The whole ``(x, y)`` of a split, for callbacks and evaluation.

        Shuffled training order follows the global seed (``PL_GLOBAL_SEED``, set by
        ``seed_everything``), so it changes with ``seed=`` and is reproduced on resume.
        """
        return self.tensors[name]
