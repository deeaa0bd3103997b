"""The ELBO terms against closed forms and Monte-Carlo estimates."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from gmvae_lightning.losses import (
    bernoulli_reconstruction,
    categorical_kl_uniform,
    categorical_kl_uniform_marginal,
    gaussian_kl_single_sample,
    gaussian_kl_standard,
    gaussian_reconstruction,
    gumbel_softmax,
    log_normal,
)
from gmvae_lightning.models.mixture import expected_gaussian_kl


@pytest.fixture(autouse=True)
def seed() -> None:
    torch.manual_seed(0)


class TestGumbelSoftmax:
    def test_sample_is_on_the_simplex(self) -> None:
        sample = gumbel_softmax(torch.randn(128, 7), temperature=1.0)
        assert sample.shape == (128, 7)
        assert torch.all(sample >= 0)
        torch.testing.assert_close(sample.sum(-1), torch.ones(128))

    def test_becomes_one_hot_as_temperature_falls(self) -> None:
        logits = torch.randn(512, 10)
        max_prob = [gumbel_softmax(logits, t).max(-1).values.mean() for t in (5.0, 1.0, 0.01)]
        assert max_prob[0] < max_prob[1] < max_prob[2]
        assert max_prob[2] > 0.99

    def test_sample_frequencies_follow_the_softmax(self) -> None:
        logits = torch.tensor([[2.0, 0.0, -1.0]]).expand(20000, 3)
        counts = gumbel_softmax(logits, 0.1, hard=True).sum(0) / 20000
        torch.testing.assert_close(counts, F.softmax(logits[0], -1), atol=0.015, rtol=0)

    def test_hard_is_one_hot_with_soft_gradient(self) -> None:
        logits = torch.randn(16, 5, requires_grad=True)
        sample = gumbel_softmax(logits, 0.7, hard=True)
        assert torch.all((sample == 0) | (sample == 1))
        torch.testing.assert_close(sample.sum(-1), torch.ones(16))
        (sample * torch.arange(5.0)).sum().backward()
        assert logits.grad is not None and logits.grad.abs().sum() > 0

    def test_rejects_non_positive_temperature(self) -> None:
        with pytest.raises(ValueError, match="temperature"):
            gumbel_softmax(torch.zeros(2, 3), 0.0)


def test_categorical_kl_matches_explicit_sum_and_uses_log_k() -> None:
    for k in (7, 10, 14):
        logits = torch.randn(32, k)
        q = F.softmax(logits, -1)
        expected = (q * (q.log() - math.log(1.0 / k))).sum(-1).mean()
        torch.testing.assert_close(categorical_kl_uniform(logits), expected)
        assert categorical_kl_uniform(torch.zeros(4, k)).abs() < 1e-6
        one_hot = torch.full((1, k), -1e4)
        one_hot[0, 0] = 0.0
        torch.testing.assert_close(categorical_kl_uniform(one_hot), torch.tensor(math.log(k)))


def test_marginal_categorical_kl_is_the_per_sample_kl_minus_the_mutual_information() -> None:
    logits = torch.randn(256, 7) * 2
    q = F.softmax(logits, dim=-1)
    mean_q = q.mean(0)
    expected = (mean_q * (mean_q * 7).log()).sum()
    assert torch.allclose(categorical_kl_uniform_marginal(logits), expected, atol=1e-5)
    # ELBO surgery: E_x KL(q(c|x) || U) = I(x; c) + KL(q̄ || U)
    mutual_information = (q * (q.log() - mean_q.log())).sum(-1).mean()
    total = categorical_kl_uniform(logits)
    assert torch.allclose(total, mutual_information + expected, atol=1e-5)


def test_marginal_categorical_kl_is_zero_for_balanced_confident_clusters() -> None:
    logits = torch.eye(5).repeat(4, 1) * 50.0
    assert categorical_kl_uniform_marginal(logits).item() == pytest.approx(0.0, abs=1e-5)
    assert categorical_kl_uniform(logits).item() == pytest.approx(math.log(5), abs=1e-4)
    collapsed = torch.zeros(20, 5)
    collapsed[:, 0] = 50.0
    assert categorical_kl_uniform_marginal(collapsed).item() == pytest.approx(math.log(5), 1e-4)


def test_gaussian_kl_standard_matches_torch_distributions() -> None:
    mean, var = torch.randn(64, 8), torch.rand(64, 8) + 0.1
    expected = kl_divergence(Normal(mean, var.sqrt()), Normal(0.0, 1.0)).sum(-1).mean()
    torch.testing.assert_close(gaussian_kl_standard(mean, var), expected)


def test_single_sample_kl_is_unbiased_for_the_closed_form() -> None:
    mean, var = torch.randn(1, 4), torch.rand(1, 4) + 0.5
    prior_mean, prior_var = torch.randn(1, 4), torch.rand(1, 4) + 0.5
    n = 200_000
    z = mean + var.sqrt() * torch.randn(n, 4)
    estimate = gaussian_kl_single_sample(
        z, mean.expand(n, 4), var.expand(n, 4), prior_mean.expand(n, 4), prior_var.expand(n, 4)
    )
    exact = kl_divergence(Normal(mean, var.sqrt()), Normal(prior_mean, prior_var.sqrt())).sum()
    assert abs(estimate - exact) < 0.02


def test_log_normal_matches_torch_distributions() -> None:
    z, mean, var = torch.randn(10, 3), torch.randn(10, 3), torch.rand(10, 3) + 0.2
    torch.testing.assert_close(
        log_normal(z, mean, var), Normal(mean, var.sqrt()).log_prob(z).sum(-1)
    )


def test_reconstructions_sum_over_dimensions_and_average_over_batch() -> None:
    x, logits = torch.rand(6, 20), torch.randn(6, 20)
    manual = -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1).mean()
    torch.testing.assert_close(bernoulli_reconstruction(x, logits), manual)
    torch.testing.assert_close(
        gaussian_reconstruction(x, logits), ((x - logits) ** 2).sum(1).mean()
    )


def test_losses_are_float32_under_bfloat16_inputs() -> None:
    logits = torch.randn(8, 10, dtype=torch.bfloat16)
    assert categorical_kl_uniform(logits).dtype == torch.float32
    x = torch.rand(8, 30)
    assert (
        bernoulli_reconstruction(x, torch.randn(8, 30, dtype=torch.bfloat16)).dtype == torch.float32
    )


def test_expected_gaussian_kl_sums_the_closed_form_over_the_clusters() -> None:
    mean, var = torch.randn(6, 4), torch.rand(6, 4) + 0.1
    means, probs = torch.randn(3, 4), F.softmax(torch.randn(6, 3), dim=-1)
    posterior = Normal(mean, var.sqrt())
    per_cluster = torch.stack(
        [kl_divergence(posterior, Normal(means[c], torch.ones(4))).sum(-1) for c in range(3)], -1
    )
    expected = (probs * per_cluster).sum(-1).mean()
    torch.testing.assert_close(expected_gaussian_kl(probs, mean, var, means), expected)
    # with every mean at 0 it is the paper's KL to N(0, I), whatever q(c|x)
    zero = expected_gaussian_kl(probs, mean, var, torch.zeros(3, 4))
    torch.testing.assert_close(zero, gaussian_kl_standard(mean, var))
