"""Model shapes and the one-pass encoder both models expose."""

import functools

import pytest
import torch

from gmvae_lightning.models import GMVAE, SimpleGMVAE
from gmvae_lightning.networks import MLP


@pytest.mark.parametrize("model_class", [SimpleGMVAE, GMVAE])
def test_forward_shapes_and_encode_matches_the_separate_heads(model_class: type) -> None:
    torch.manual_seed(0)
    mlp = functools.partial(MLP, hidden=[32])
    net = model_class(20, 7, 3, mlp, mlp).eval()
    x = torch.rand(5, 20)
    out = net(x, temperature=0.5)
    assert out.logits.shape == out.category.shape == (5, 7)
    assert out.z.shape == out.mean.shape == out.var.shape == (5, 3)
    assert out.reconstruction.shape == (5, 20)
    probs, mean = net.encode(x)
    torch.testing.assert_close(probs, net.cluster_probs(x))
    torch.testing.assert_close(mean, net.latent_mean(x))
