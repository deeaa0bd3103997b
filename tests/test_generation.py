"""Generation grids for K = 7, 10, 14 and both models; reconstructions; the image grid file."""

import numpy as np
import pytest
import torch
from matplotlib.image import imread

from gmvae_lightning.figures import image_grid
from gmvae_lightning.generation import cluster_samples, reconstructions
from gmvae_lightning.models import GMVAE, MixturePriorVAE, SimpleGMVAE
from gmvae_lightning.networks import MLP


def build(model: type, num_clusters: int) -> torch.nn.Module:
    torch.manual_seed(0)
    factory = lambda **kw: MLP(hidden=[32], **kw)  # noqa: E731
    return model(64, num_clusters, 8, factory, factory)


@pytest.mark.parametrize("model", [SimpleGMVAE, GMVAE, MixturePriorVAE])
@pytest.mark.parametrize("num_clusters", [7, 10, 14])
def test_one_row_per_cluster(model: type, num_clusters: int, tmp_path) -> None:
    net = build(model, num_clusters)
    grid = cluster_samples(net, [1, 8, 8], "bernoulli", per_cluster=5, seed=0)
    assert grid.shape == (num_clusters, 5, 8, 8)
    assert grid.min() >= 0 and grid.max() <= 1
    assert np.allclose(grid, cluster_samples(net, [1, 8, 8], "bernoulli", per_cluster=5, seed=0))
    path = image_grid(grid, tmp_path / "grid.png", [f"c={k}" for k in range(num_clusters)])
    assert imread(path).shape[0] > imread(path).shape[1] * (num_clusters / 5) * 0.5


def test_style_generation_shares_z_across_clusters_for_the_simple_model() -> None:
    net = build(SimpleGMVAE, 7)
    style = cluster_samples(net, [1, 8, 8], "bernoulli", per_cluster=4, shared_noise=True)
    free = cluster_samples(net, [1, 8, 8], "bernoulli", per_cluster=4, shared_noise=False)
    z = torch.randn(1, 4, 8, generator=torch.Generator().manual_seed(0))[0, :1]
    expected = torch.sigmoid(net.decode(z.repeat(7, 1), torch.eye(7))).reshape(7, 8, 8)
    torch.testing.assert_close(torch.from_numpy(style[:, 0]), expected.detach())
    assert not np.allclose(style, free)


def test_mixture_prior_generation_draws_around_each_cluster_mean() -> None:
    net = build(MixturePriorVAE, 3)
    with torch.no_grad():
        net.prior_means.copy_(torch.tensor([[0.0] * 8, [50.0] * 8, [-50.0] * 8]))
    z_seen = []
    original_decode = net.decode

    def spy(z, categories):
        z_seen.append(z)
        return original_decode(z, categories)

    net.decode = spy
    cluster_samples(net, [1, 8, 8], "bernoulli", per_cluster=20, seed=0)
    rows = z_seen[0].reshape(3, 20, 8).mean(dim=(1, 2))
    torch.testing.assert_close(rows, torch.tensor([0.0, 50.0, -50.0]), atol=0.6, rtol=0)


def test_reconstructions_pair_inputs_with_outputs() -> None:
    net = build(GMVAE, 10)
    x = torch.rand(6, 64)
    grid = reconstructions(net, x, [1, 8, 8], "bernoulli")
    assert grid.shape == (2, 6, 8, 8)
    np.testing.assert_allclose(grid[0], x.reshape(6, 8, 8).numpy())
    assert net.training  # evaluating() restored the mode
