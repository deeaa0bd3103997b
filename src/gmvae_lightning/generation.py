"""Images from a trained model: per-cluster samples, style generation, reconstructions.

Shapes: grids are ``(rows, cols, H, W)`` arrays in [0, 1], ready for ``figures.image_grid``.
"""

import numpy as np
import torch
from torch import Tensor, nn

from gmvae_lightning.inference import evaluating


def _as_images(output: Tensor, reconstruction: str, shape: tuple[int, int]) -> np.ndarray:
    """Decoder outputs (Bernoulli logits or Gaussian means) as images in [0, 1]."""
    values = torch.sigmoid(output) if reconstruction == "bernoulli" else output
    return values.float().clamp(0, 1).reshape(-1, *shape).cpu().numpy()


def _image_shape(input_shape: list[int] | tuple[int, ...]) -> tuple[int, int]:
    return int(input_shape[-2]), int(input_shape[-1])


def _latent_codes(net: nn.Module, categories: Tensor, noise: Tensor) -> Tensor:
    """``z`` for one-hot ``categories``: the prior's mean and scale when it depends on c
    (``GMVAE``), else the noise itself (``p(z) = N(0, I)``)."""
    if hasattr(net, "_prior"):
        mean, var = net._prior(categories)
        return mean.float() + var.sqrt() * noise
    return noise


def cluster_samples(
    net: nn.Module,
    input_shape: list[int],
    reconstruction: str,
    per_cluster: int = 10,
    seed: int = 0,
    shared_noise: bool = False,
) -> np.ndarray:
    """``(K, per_cluster, H, W)``: row ``k`` decodes draws of ``z`` with ``c = k``.

    With ``shared_noise`` column ``j`` uses the same noise in every row: *style generation*
    (for the simple model the same z decoded with every c; for the GMVAE the same standardised
    draw from each ``p(z|c)``). Without it each row has its own draws.
    """
    k, z_dim = net.num_clusters, net.latent_dim
    generator = torch.Generator().manual_seed(seed)
    device = next(net.parameters()).device
    if shared_noise:
        noise = torch.randn(1, per_cluster, z_dim, generator=generator).expand(k, -1, -1)
    else:
        noise = torch.randn(k, per_cluster, z_dim, generator=generator)
    noise = noise.reshape(k * per_cluster, z_dim).to(device)
    categories = torch.eye(k, device=device).repeat_interleave(per_cluster, dim=0)
    with evaluating(net):
        output = net.decode(_latent_codes(net, categories, noise), categories)
    shape = _image_shape(input_shape)
    return _as_images(output, reconstruction, shape).reshape(k, per_cluster, *shape)


def reconstructions(
    net: nn.Module, x: Tensor, input_shape: list[int], reconstruction: str
) -> np.ndarray:
    """``(2, N, H, W)``: the inputs and their reconstructions from ``E[z|x]`` and the most
    likely cluster."""
    device = next(net.parameters()).device
    x = x.to(device)
    with evaluating(net):
        probs = net.cluster_probs(x)
        categories = torch.nn.functional.one_hot(probs.argmax(-1), net.num_clusters).float()
        output = net.decode(net.latent_mean(x), categories)
    shape = _image_shape(input_shape)
    originals = x.float().clamp(0, 1).reshape(-1, *shape).cpu().numpy()
    return np.stack([originals, _as_images(output, reconstruction, shape)])
