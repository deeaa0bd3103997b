"""In-memory batching: index slices of a seeded per-epoch permutation, sharded per rank."""

import torch

from gmvae_lightning.data.loader import ShardedBatchSampler, TensorBatchLoader


def indices(sampler: ShardedBatchSampler) -> list[int]:
    return torch.cat(list(sampler)).tolist()


def test_one_epoch_visits_every_sample_once() -> None:
    sampler = ShardedBatchSampler(103, 10, shuffle=True, seed=1)
    assert sorted(indices(sampler)) == list(range(103))
    assert len(list(sampler)) == len(sampler) == 11


def test_order_depends_on_seed_and_epoch_only() -> None:
    first, again = (
        ShardedBatchSampler(50, 8, True, seed=3),
        ShardedBatchSampler(50, 8, True, seed=3),
    )
    assert indices(first) == indices(again)
    first.set_epoch(1)
    assert indices(first) != indices(again)
    again.set_epoch(1)
    assert indices(first) == indices(again)


def test_drop_last() -> None:
    sampler = ShardedBatchSampler(103, 10, shuffle=True, drop_last=True)
    assert len(list(sampler)) == len(sampler) == 10


def test_ranks_get_disjoint_equal_shards() -> None:
    shards = [
        indices(ShardedBatchSampler(101, 8, True, seed=0, rank=r, world_size=2)) for r in (0, 1)
    ]
    assert len(shards[0]) == len(shards[1]) == 50
    assert not set(shards[0]) & set(shards[1])
    eval_shards = [
        indices(ShardedBatchSampler(101, 8, False, rank=r, world_size=2)) for r in (0, 1)
    ]
    assert sorted(eval_shards[0] + eval_shards[1]) == list(range(101))


def test_loader_slices_all_tensors_alike() -> None:
    x, y = torch.arange(20.0).view(10, 2), torch.arange(10)
    loader = TensorBatchLoader((x, y), ShardedBatchSampler(10, 4, shuffle=True, seed=0))
    for xb, yb in loader:
        torch.testing.assert_close(xb[:, 0], 2.0 * yb)
    assert len(loader) == 3
