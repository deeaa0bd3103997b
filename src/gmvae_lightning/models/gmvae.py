"""The reference PyTorch code's model (jariasf/GMVAE, after Rui Shu): a learned prior p(z|c).

``q(c|x)``; ``q(z|x, c)`` on ``concat(x, c)``; ``p(z|c) = N(μ(c), σ²(c))``; decoder ``p(x|z)``.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gmvae_lightning.losses import (
    categorical_kl_term,
    gaussian_kl_single_sample,
    gumbel_softmax,
    reconstruction_loss,
)
from gmvae_lightning.models.types import ClusteringVAE, LossTerms, NetworkFactory, VAEOutput


class GMVAE(ClusteringVAE):
    """Gaussian-mixture VAE with a per-cluster learned Gaussian prior on z."""

    def __init__(
        self,
        input_dim: int,
        num_clusters: int,
        latent_dim: int,
        encoder: NetworkFactory,
        decoder: NetworkFactory,
        categorical_kl: str = "per_sample",
    ) -> None:
        super().__init__()
        self.categorical_kl = categorical_kl_term(categorical_kl)
        self.input_dim, self.num_clusters, self.latent_dim = input_dim, num_clusters, latent_dim
        self.category_net = encoder(in_features=input_dim)
        self.category_head = nn.Linear(self.category_net.out_features, num_clusters)
        self.latent_net = encoder(in_features=input_dim + num_clusters)
        self.gaussian_head = nn.Linear(self.latent_net.out_features, 2 * latent_dim)
        self.prior_mean = nn.Linear(num_clusters, latent_dim)
        self.prior_var = nn.Linear(num_clusters, latent_dim)
        self.decoder = decoder(in_features=latent_dim, out_features=input_dim)

    def _posterior(self, x: Tensor, category: Tensor) -> tuple[Tensor, Tensor]:
        hidden = self.latent_net(torch.cat([x, category.to(x.dtype)], dim=-1))
        mean, raw_var = self.gaussian_head(hidden).chunk(2, dim=-1)
        return mean, F.softplus(raw_var.float()) + 1e-6

    def _prior(self, category: Tensor) -> tuple[Tensor, Tensor]:
        return self.prior_mean(category), F.softplus(self.prior_var(category).float()) + 1e-6

    def forward(self, x: Tensor, temperature: float, hard: bool = False) -> VAEOutput:
        logits = self.category_head(self.category_net(x))
        category = gumbel_softmax(logits, temperature, hard)
        mean, var = self._posterior(x, category)
        z = mean.float() + var.sqrt() * torch.randn_like(var)
        prior_mean, prior_var = self._prior(category)
        reconstruction = self.decoder(z.to(x.dtype))
        return VAEOutput(logits, category, mean, var, z, reconstruction, prior_mean, prior_var)

    def loss_terms(self, x: Tensor, out: VAEOutput, reconstruction: str) -> LossTerms:
        assert out.prior_mean is not None and out.prior_var is not None
        return LossTerms(
            reconstruction_loss(x, out.reconstruction, reconstruction),
            self.categorical_kl(out.logits),
            gaussian_kl_single_sample(out.z, out.mean, out.var, out.prior_mean, out.prior_var),
        )

    def cluster_probs(self, x: Tensor) -> Tensor:
        return F.softmax(self.category_head(self.category_net(x)).float(), dim=-1)

    def latent_mean(self, x: Tensor) -> Tensor:
        return self._posterior(x, self.cluster_probs(x))[0]

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        probs = self.cluster_probs(x)
        return probs, self._posterior(x, probs)[0]

    def decode(self, z: Tensor, category: Tensor) -> Tensor:
        del category  # p(x|z) does not see c; the cluster enters through p(z|c)
        return self.decoder(z)

    def prior_sample(self, category: Tensor) -> Tensor:
        """A draw from ``p(z|c)`` for one-hot ``category`` of shape ``(B, K)``."""
        mean, var = self._prior(category)
        return mean.float() + var.sqrt() * torch.randn_like(var)
