"""What every clustering VAE returns, so the LightningModule works with either model."""

from collections.abc import Callable
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

NetworkFactory = Callable[..., nn.Module]


@dataclass
class VAEOutput:
    """One forward pass; shapes ``(B, K)`` for the cluster, ``(B, Z)`` for z, ``(B, D)`` for x."""

    logits: Tensor
    category: Tensor
    mean: Tensor
    var: Tensor
    z: Tensor
    reconstruction: Tensor
    prior_mean: Tensor | None = None
    prior_var: Tensor | None = None

    @property
    def probs(self) -> Tensor:
        return F.softmax(self.logits.float(), dim=-1)


@dataclass
class LossTerms:
    """The unweighted ELBO terms, each summed over dimensions and averaged over the batch."""

    reconstruction: Tensor
    categorical: Tensor
    gaussian: Tensor

    def weighted(self, w_rec: float, w_cat: float, w_gauss: float) -> Tensor:
        return w_rec * self.reconstruction + w_cat * self.categorical + w_gauss * self.gaussian


class ClusteringVAE(nn.Module):
    """What the LightningModule, callbacks and predict rely on, whichever model is used."""

    num_clusters: int
    latent_dim: int
    input_dim: int

    def forward(self, x: Tensor, temperature: float, hard: bool = False) -> VAEOutput:
        raise NotImplementedError  # pragma: no cover - interface

    def loss_terms(self, x: Tensor, out: VAEOutput, reconstruction: str) -> LossTerms:
        raise NotImplementedError  # pragma: no cover - interface

    def cluster_probs(self, x: Tensor) -> Tensor:
        """``q(c|x)`` without sampling, shape ``(B, K)``."""
        raise NotImplementedError  # pragma: no cover - interface

    def latent_mean(self, x: Tensor) -> Tensor:
        """The mean of ``q(z|x)``: the learned feature for kNN and plots, shape ``(B, Z)``."""
        raise NotImplementedError  # pragma: no cover - interface

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(q(c|x), mean of q(z|x))`` in one pass; models that share layers override it."""
        return self.cluster_probs(x), self.latent_mean(x)

    def decode(self, z: Tensor, category: Tensor) -> Tensor:
        """Decoder output (logits or means) for latent codes and (one-hot) clusters."""
        raise NotImplementedError  # pragma: no cover - interface
