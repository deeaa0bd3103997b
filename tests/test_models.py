"""Model shapes and the one-pass encoder both models expose."""

import functools

import pytest
import torch

from gmvae_lightning.models import GMVAE, SimpleGMVAE
from gmvae_lightning.networks import MLP, ConvDecoder, ConvEncoder


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


@pytest.mark.parametrize("model_class", [SimpleGMVAE, GMVAE])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 16, 16)])
def test_convolutional_networks_fit_both_models(model_class: type, shape: tuple) -> None:
    torch.manual_seed(0)
    size = shape[0] * shape[1] * shape[2]
    encoder = functools.partial(ConvEncoder, input_shape=shape, channels=[4, 8], hidden=[16])
    decoder = functools.partial(ConvDecoder, input_shape=shape, channels=[8, 4], hidden=[16])
    net = model_class(size, 10, 3, encoder, decoder)
    x = torch.rand(6, size)
    out = net(x, temperature=0.5)
    assert out.reconstruction.shape == (6, size) and out.logits.shape == (6, 10)
    loss = net.loss_terms(x, out, "bernoulli").weighted(1.0, 1.0, 1.0)
    loss.backward()  # every layer, convolutions included, gets a gradient
    assert all(p.grad is not None for p in net.parameters() if p.requires_grad)


def test_convolutional_encoder_appends_extra_inputs_after_the_image() -> None:
    torch.manual_seed(0)
    encoder = ConvEncoder(16 + 3, (1, 4, 4), channels=[2], hidden=[5])
    image, extra = torch.rand(2, 16), torch.rand(2, 3)
    changed = encoder(torch.cat([image, extra + 1], dim=-1))
    assert changed.shape == (2, 5)
    assert not torch.allclose(encoder(torch.cat([image, extra], dim=-1)), changed)


def test_convolutional_networks_refuse_shapes_they_cannot_mirror() -> None:
    with pytest.raises(ValueError, match="not a multiple of 4"):
        ConvDecoder(10, 15 * 15, (1, 15, 15))
    with pytest.raises(ValueError, match="needs \\(C, H, W\\) images"):
        ConvEncoder(64, (64,))
