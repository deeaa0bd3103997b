"""Pure loss terms of the ELBO.

Every function takes tensors of shape ``(batch, ...)``, sums over the non-batch dimensions and
averages over the batch, and computes in float32 so that it is safe under mixed precision.
"""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from gmvae_lightning.errors import UserError

LOG_2PI = math.log(2.0 * math.pi)


def gumbel_softmax(logits: Tensor, temperature: float, hard: bool = False) -> Tensor:
    """A relaxed one-hot sample of ``Cat(softmax(logits))`` (Jang et al., Maddison et al.).

    With ``hard=True`` the forward value is one-hot and the gradient is the soft sample's
    (straight-through). Shape ``(batch, K)`` in, ``(batch, K)`` out.
    """
    if temperature <= 0:
        raise ValueError(f"Gumbel-softmax temperature must be > 0, got {temperature}")
    logits = logits.float()
    uniform = torch.rand_like(logits).clamp_(1e-10, 1.0 - 1e-7)
    gumbel = -torch.log(-torch.log(uniform))
    soft = F.softmax((logits + gumbel) / temperature, dim=-1)
    if not hard:
        return soft
    index = soft.argmax(dim=-1, keepdim=True)
    one_hot = torch.zeros_like(soft).scatter_(-1, index, 1.0)
    return one_hot - soft.detach() + soft


def bernoulli_reconstruction(x: Tensor, logits: Tensor) -> Tensor:
    """``-log p(x|·)`` of a Bernoulli decoder given its logits (binary cross-entropy).

    Targets may be grey levels in [0, 1], as in the reference code.
    """
    nll = F.binary_cross_entropy_with_logits(logits.float(), x.float(), reduction="none")
    return nll.flatten(1).sum(1).mean()


def gaussian_reconstruction(x: Tensor, mean: Tensor) -> Tensor:
    """Squared error, i.e. ``-log N(x | mean, I/2)`` up to a constant, for real-valued data."""
    return (x.float() - mean.float()).pow(2).flatten(1).sum(1).mean()


def reconstruction_loss(x: Tensor, output: Tensor, kind: str) -> Tensor:
    """Dispatch on the reconstruction named in the config: ``bernoulli`` or ``gaussian``."""
    if kind == "bernoulli":
        return bernoulli_reconstruction(x, output)
    if kind == "gaussian":
        return gaussian_reconstruction(x, output)
    raise ValueError(f"unknown reconstruction {kind!r}; use 'bernoulli' or 'gaussian'")


def categorical_kl_uniform(logits: Tensor) -> Tensor:
    """``KL(Cat(softmax(logits)) || Uniform(K))`` = ``sum q log q + log K``."""
    logits = logits.float()
    log_q = F.log_softmax(logits, dim=-1)
    kl = (log_q.exp() * log_q).sum(-1) + math.log(logits.shape[-1])
    return kl.mean()


def categorical_kl_uniform_marginal(logits: Tensor) -> Tensor:
    """``KL(q̄(c) || Uniform(K))`` of the batch's average posterior ``q̄(c) = mean_x q(c|x)``.

    The per-sample term splits as ``E_x KL(q(c|x) || U) = I(x; c) + KL(q̄ || U)`` (Hoffman &
    Johnson's "ELBO surgery"): its first part charges the model for every nat of information c
    carries about x, which is what drives the collapse. This term keeps only the second part:
    clusters stay balanced, while each ``q(c|x)`` is free to be confident.
    """
    log_q = F.log_softmax(logits.float(), dim=-1)
    log_mean = torch.logsumexp(log_q, dim=0) - math.log(logits.shape[0])
    return (log_mean.exp() * log_mean).sum() + math.log(logits.shape[-1])


CATEGORICAL_KL = {
    "per_sample": categorical_kl_uniform,
    "marginal": categorical_kl_uniform_marginal,
}


def categorical_kl_term(name: str) -> Callable[[Tensor], Tensor]:
    """The categorical term named in ``model.net.categorical_kl``: ``per_sample`` (the paper's
    ``KL(q(c|x) || U)``), or ``marginal`` (``KL(q̄(c) || U)``, ours)."""
    if name not in CATEGORICAL_KL:
        raise UserError(
            f"model.net.categorical_kl must be one of {sorted(CATEGORICAL_KL)}, got {name!r}: "
            "'per_sample' is the paper's KL(q(c|x) || U), 'marginal' the batch-average "
            "KL(q̄(c) || U)."
        )
    return CATEGORICAL_KL[name]


def gaussian_kl_standard(mean: Tensor, var: Tensor) -> Tensor:
    """Closed-form ``KL(N(mean, diag var) || N(0, I))``."""
    mean, var = mean.float(), var.float()
    kl = 0.5 * (mean.pow(2) + var - 1.0 - var.log())
    return kl.sum(-1).mean()


def log_normal(z: Tensor, mean: Tensor, var: Tensor) -> Tensor:
    """``log N(z | mean, diag var)`` summed over the last dimension, shape ``(batch,)``."""
    z, mean, var = z.float(), mean.float(), var.float()
    return -0.5 * (LOG_2PI + var.log() + (z - mean).pow(2) / var).sum(-1)


def gaussian_kl_single_sample(
    z: Tensor, mean: Tensor, var: Tensor, prior_mean: Tensor, prior_var: Tensor
) -> Tensor:
    """One-sample estimate ``log q(z|·) - log p(z|c)`` of the Gaussian KL (GMVAE's prior)."""
    return (log_normal(z, mean, var) - log_normal(z, prior_mean, prior_var)).mean()
