"""Whole-split predictions of a trained model: cluster probabilities and latent means.

Callbacks, evaluation and kNN score the full in-memory split, not the running batches. Under
DDP each rank predicts one contiguous shard and the shards are gathered, so every rank ends up
with the same, exact result.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import lightning as L
import torch
from torch import Tensor, nn


@contextmanager
def evaluating(module: nn.Module) -> Iterator[None]:
    """Eval mode and no gradients for side computations; restores the previous mode."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


def _predict_local(net: nn.Module, x: Tensor, batch_size: int) -> tuple[Tensor, Tensor]:
    device = next(net.parameters()).device
    probs, latents = [], []
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size].to(device)
        batch_probs, batch_latents = net.encode(batch)
        probs.append(batch_probs.float())
        latents.append(batch_latents.float())
    if not probs:
        return torch.zeros(0, net.num_clusters, device=device), torch.zeros(
            0, net.latent_dim, device=device
        )
    return torch.cat(probs), torch.cat(latents)


def predict(
    module: L.LightningModule, x: Tensor, batch_size: int = 2048, distributed: bool = True
) -> tuple[Tensor, Tensor]:
    """``q(c|x)`` of shape ``(N, K)`` and the mean of ``q(z|x)`` of shape ``(N, Z)``, on CPU.

    With ``distributed`` and more than one process, every rank must call this (it gathers).
    """
    world = module.trainer.world_size if module._trainer is not None else 1
    with evaluating(module):
        if not distributed or world == 1:
            probs, latents = _predict_local(module.net, x, batch_size)
            return probs.cpu(), latents.cpu()
        count = len(x)
        shard = -(-count // world)
        rank = module.trainer.global_rank
        index = torch.arange(rank * shard, (rank + 1) * shard).clamp(max=count - 1)
        probs, latents = _predict_local(module.net, x[index], batch_size)
        gathered = module.all_gather((probs, latents))
        probs, latents = (t.reshape(world * shard, *t.shape[2:])[:count] for t in gathered)
        return probs.cpu(), latents.cpu()
