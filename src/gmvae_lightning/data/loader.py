"""Batches as index slices of tensors already in memory.

A batch is ``tensor[indices]`` for a slice of a per-epoch permutation: no per-sample
``__getitem__``, no collate, no worker processes. Under DDP each rank takes its own shard.
"""

from collections.abc import Iterator

import torch
from torch import Tensor


class ShardedBatchSampler:
    """Index batches of one rank's shard of ``range(num_samples)``.

    With ``shuffle`` the order is a permutation seeded by ``seed + epoch`` (``set_epoch`` is
    called by Lightning each epoch), so a resumed run sees the same order; every rank gets the
    same number of batches. Without ``shuffle`` ranks take interleaved, disjoint indices.
    """

    def __init__(
        self,
        num_samples: int,
        batch_size: int,
        shuffle: bool,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.num_samples, self.batch_size, self.shuffle = num_samples, batch_size, shuffle
        self.seed, self.rank, self.world_size, self.drop_last = seed, rank, world_size, drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def shard(self) -> Tensor:
        if not self.shuffle:
            return torch.arange(self.rank, self.num_samples, self.world_size)
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.num_samples, generator=generator)
        usable = self.num_samples - self.num_samples % self.world_size
        return order[self.rank : usable : self.world_size]

    def __iter__(self) -> Iterator[Tensor]:
        indices = self.shard()
        stop = len(indices) - len(indices) % self.batch_size if self.drop_last else len(indices)
        yield from indices[:stop].split(self.batch_size)

    def __len__(self) -> int:
        if self.shuffle:
            count = self.num_samples // self.world_size
        else:
            count = len(range(self.rank, self.num_samples, self.world_size))
        full, rest = divmod(count, self.batch_size)
        return full + (0 if self.drop_last or rest == 0 else 1)


class TensorBatchLoader:
    """An iterable of ``tuple(t[indices] for t in tensors)``; ``sampler`` is what Lightning
    calls ``set_epoch`` on."""

    batch_sampler = None  # Lightning inspects it; batching is done by ``sampler`` itself

    def __init__(self, tensors: tuple[Tensor, ...], sampler: ShardedBatchSampler) -> None:
        self.tensors, self.sampler = tensors, sampler

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        device = self.tensors[0].device
        for indices in self.sampler:
            indices = indices.to(device, non_blocking=True)
            yield tuple(t[indices] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.sampler)
