"""The in-memory batch loader under DDP: equal training shards, disjoint evaluation shards."""

import pytest
import torch

from gmvae_lightning.data.loader import ShardedBatchSampler, TensorBatchLoader


def shards(num_samples: int, batch_size: int, shuffle: bool, world: int, epoch: int = 0):
    samplers = [
        ShardedBatchSampler(num_samples, batch_size, shuffle, seed=7, rank=r, world_size=world)
        for r in range(world)
    ]
    for sampler in samplers:
        sampler.set_epoch(epoch)
    return samplers, [list(sampler) for sampler in samplers]


@pytest.mark.parametrize("num_samples", [1293, 1000, 7])
@pytest.mark.parametrize("world", [2, 3])
def test_training_shards_have_equal_batch_counts_and_are_disjoint(num_samples, world):
    samplers, batches = shards(num_samples, 64, shuffle=True, world=world)
    counts = {len(b) for b in batches}
    assert len(counts) == 1, "every rank must take the same number of steps (DDP would hang)"
    assert all(len(s) == len(b) for s, b in zip(samplers, batches, strict=True))
    seen = [torch.cat(b).tolist() for b in batches]
    flat = [i for rank in seen for i in rank]
    assert len(flat) == len(set(flat)), "ranks must not share training samples in an epoch"
    assert len(flat) == num_samples - num_samples % world


def test_batch_size_is_per_device():
    _, batches = shards(1293, 64, shuffle=True, world=2)
    assert max(len(batch) for batch in batches[0]) == 64
    assert len(batches[0]) == -(-(1293 // 2) // 64)  # ceil(646 / 64) = 11 steps per epoch


@pytest.mark.parametrize("num_samples", [360, 361, 1797])
def test_eval_shards_cover_every_sample_once(num_samples):
    samplers, batches = shards(num_samples, 100, shuffle=False, world=2)
    flat = sorted(i for rank in batches for batch in rank for i in batch.tolist())
    assert flat == list(range(num_samples))
    assert all(len(s) == len(b) for s, b in zip(samplers, batches, strict=True))


def test_order_is_shared_by_ranks_and_changes_with_the_epoch():
    _, epoch0 = shards(500, 500, shuffle=True, world=1, epoch=0)
    _, epoch0_again = shards(500, 500, shuffle=True, world=1, epoch=0)
    _, epoch1 = shards(500, 500, shuffle=True, world=1, epoch=1)
    assert torch.equal(epoch0[0][0], epoch0_again[0][0])
    assert not torch.equal(epoch0[0][0], epoch1[0][0])


def test_loader_slices_rows_with_their_labels():
    x = torch.arange(20, dtype=torch.float32).view(10, 2)
    y = torch.arange(10)
    loader = TensorBatchLoader((x, y), ShardedBatchSampler(10, 4, shuffle=True, seed=1))
    for xb, yb in loader:
        assert torch.equal(xb[:, 0], 2 * yb.float())
    assert len(loader) == 3
