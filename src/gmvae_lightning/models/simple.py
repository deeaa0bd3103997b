"""The paper's model: a deterministic feature network with simple priors.

``x̂ = h(x)``; ``q(c|x̂) = Cat(π(x̂))`` sampled with Gumbel-softmax; ``q(z|x̂) = N(μ(x̂), σ²(x̂))``;
``p(c) = Uniform(K)``, ``p(z) = N(0, I)``; decoder ``p(x|z, c)`` on ``concat(z, c)``.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gmvae_lightning.losses import (
    categorical_kl_term,
    gaussian_kl_standard,
    gumbel_softmax,
    reconstruction_loss,
)
from gmvae_lightning.models.types import ClusteringVAE, LossTerms, NetworkFactory, VAEOutput


class SimpleGMVAE(ClusteringVAE):
    """Arias Figueroa & Ramírez Rivera (2017), "Is Simple Better?"."""

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
        self.features = encoder(in_features=input_dim)
        width = self.features.out_features
        self.category_head = nn.Linear(width, num_clusters)
        self.gaussian_head = nn.Linear(width, 2 * latent_dim)
        self.decoder = decoder(in_features=latent_dim + num_clusters, out_features=input_dim)

    def _heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        features = self.features(x)
        mean, raw_var = self.gaussian_head(features).chunk(2, dim=-1)
        return self.category_head(features), mean, F.softplus(raw_var.float()) + 1e-6

    def forward(self, x: Tensor, temperature: float, hard: bool = False) -> VAEOutput:
        logits, mean, var = self._heads(x)
        category = gumbel_softmax(logits, temperature, hard)
        z = mean.float() + var.sqrt() * torch.randn_like(var)
        reconstruction = self.decode(z, category)
        return VAEOutput(logits, category, mean, var, z, reconstruction)

    def loss_terms(self, x: Tensor, out: VAEOutput, reconstruction: str) -> LossTerms:
        return LossTerms(
            reconstruction_loss(x, out.reconstruction, reconstruction),
            self.categorical_kl(out.logits),
            gaussian_kl_standard(out.mean, out.var),
        )

    def cluster_probs(self, x: Tensor) -> Tensor:
        return F.softmax(self.category_head(self.features(x)).float(), dim=-1)

    def latent_mean(self, x: Tensor) -> Tensor:
        return self._heads(x)[1]

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        logits, mean, _ = self._heads(x)
        return F.softmax(logits.float(), dim=-1), mean

    def decode(self, z: Tensor, category: Tensor) -> Tensor:
        return self.decoder(torch.cat([z, category.to(z.dtype)], dim=-1))
