"""The paper's model with one change: the Gaussian prior's mean depends on the cluster.

``p(z|c) = N(μ_c, I)`` with a learned mean ``μ_c`` per cluster, instead of ``p(z) = N(0, I)``;
inference (``q(c|x̂) q(z|x̂)`` from one feature network, Gumbel-softmax c) and the decoder
``p(x|z, c)`` are the paper's. The Gaussian term is its expectation over ``q(c|x)`` in closed
form, ``Σ_c q(c|x) KL(q(z|x) ‖ N(μ_c, I))``: a point's cluster is rewarded for lying near
its mean in z, so clusters form in the latent space rather than in pixel space, and the
heavy ``w_gauss`` the paper's model needs against collapse is not needed.
"""

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gmvae_lightning.losses import reconstruction_loss
from gmvae_lightning.models.simple import SimpleGMVAE
from gmvae_lightning.models.types import LossTerms, VAEOutput


def expected_gaussian_kl(probs: Tensor, mean: Tensor, var: Tensor, means: Tensor) -> Tensor:
    """``Σ_c q_c KL(N(mean, diag var) ‖ N(means[c], I))``, averaged over the batch.

    ``probs`` ``(B, K)``, ``mean``/``var`` ``(B, Z)``, ``means`` ``(K, Z)``.
    """
    mean, var, means = mean.float(), var.float(), means.float()
    spread = (var - 1.0 - var.log()).sum(-1, keepdim=True)  # (B, 1), the same for every c
    distance = torch.cdist(mean, means).pow(2)  # (B, K)
    return (0.5 * probs.float() * (spread + distance)).sum(-1).mean()


class MixturePriorVAE(SimpleGMVAE):
    """``SimpleGMVAE`` with ``p(z|c) = N(μ_c, I)``, the means learned with the networks."""

    def __init__(self, *args: Any, mean_scale: float = 1.0, **kwargs: Any) -> None:
        """``SimpleGMVAE``'s arguments, plus the scale of the means' random start."""
        super().__init__(*args, **kwargs)
        # random, distinct starting means: with equal means every cluster would explain z alike
        start = torch.randn(self.num_clusters, self.latent_dim)
        self.prior_means = nn.Parameter(mean_scale * start)

    def loss_terms(self, x: Tensor, out: VAEOutput, reconstruction: str) -> LossTerms:
        probs = F.softmax(out.logits.float(), dim=-1)
        return LossTerms(
            reconstruction_loss(x, out.reconstruction, reconstruction),
            self.categorical_kl(out.logits),
            expected_gaussian_kl(probs, out.mean, out.var, self.prior_means),
        )

    def _prior(self, categories: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and variance of ``p(z|c)`` for (one-hot) ``categories``: generation uses it."""
        mean = categories.float() @ self.prior_means.float()
        return mean, torch.ones_like(mean)
