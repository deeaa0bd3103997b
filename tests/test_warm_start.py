"""The k-means warm start: its labels, what it trains, its config and its place in a run."""

import functools
import json
from pathlib import Path

import pytest
import torch
from conftest import compose_config
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits

from gmvae_lightning.errors import UserError
from gmvae_lightning.models import SimpleGMVAE
from gmvae_lightning.networks import MLP
from gmvae_lightning.train import train
from gmvae_lightning.warm_start import KMeansWarmStart, fit_cluster_head, kmeans_labels


@pytest.fixture
def digits() -> torch.Tensor:
    return torch.from_numpy(load_digits().data[:400] / 16.0).float()


def small_model(seed: int = 0) -> SimpleGMVAE:
    torch.manual_seed(seed)
    mlp = functools.partial(MLP, hidden=[64])
    return SimpleGMVAE(64, 10, 4, mlp, mlp)


def test_kmeans_labels_are_scikit_learns_best_start(digits: torch.Tensor) -> None:
    labels = kmeans_labels(digits, 10, n_init=3, seed=7)
    expected = KMeans(10, n_init=3, random_state=7).fit(digits.double().numpy()).labels_
    assert labels.dtype == torch.int64 and labels.tolist() == expected.tolist()


def test_fit_cluster_head_teaches_q_c_the_labels_and_leaves_the_decoder(
    digits: torch.Tensor,
) -> None:
    net = small_model()
    labels = kmeans_labels(digits, 10, n_init=3, seed=0)
    before = (net.cluster_probs(digits).argmax(-1) == labels).float().mean()
    decoder = {name: value.clone() for name, value in net.decoder.state_dict().items()}
    agreement = fit_cluster_head(net, digits, labels, epochs=20, batch_size=32, lr=3e-3, seed=0)
    assert before < 0.5 < 0.9 < agreement
    predicted = net.cluster_probs(digits).argmax(-1)
    assert agreement == pytest.approx(float((predicted == labels).float().mean()))
    for name, value in net.decoder.state_dict().items():
        torch.testing.assert_close(value, decoder[name])


def test_warm_start_is_deterministic_for_a_seed(digits: torch.Tensor) -> None:
    warm_start = KMeansWarmStart(n_init=2, epochs=2, batch_size=32, lr=1e-3)
    first, second = small_model(), small_model()
    assert warm_start(first, digits, seed=3) == warm_start(second, digits, seed=3)
    for (name, value), other in zip(
        first.state_dict().items(), second.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(value, other, msg=name)


@pytest.mark.parametrize("settings", [{"n_init": 0}, {"epochs": 0}, {"batch_size": 0}, {"lr": 0.0}])
def test_bad_warm_start_settings_say_what_is_allowed(settings: dict) -> None:
    with pytest.raises(UserError, match="warm_start needs n_init >= 1"):
        KMeansWarmStart(**settings)


def test_fewer_samples_than_clusters_is_a_clear_error(digits: torch.Tensor) -> None:
    with pytest.raises(
        UserError, match=r"model\.num_clusters=10 is larger than the number of samples \(5\)"
    ):
        KMeansWarmStart()(small_model(), digits[:5], seed=0)


def test_digits_starts_from_kmeans_and_other_datasets_at_random(tmp_path: Path) -> None:
    digits = compose_config(["dataset=digits"], tmp_path)
    assert digits.warm_start._target_.endswith("KMeansWarmStart")
    assert digits.warm_start.batch_size == 16 and digits.warm_start.lr == 0.002
    assert not compose_config(["dataset=digits", "warm_start=none"], tmp_path).warm_start
    assert not compose_config([], tmp_path).warm_start
    mnist = compose_config(["warm_start=kmeans"], tmp_path).warm_start
    assert mnist.batch_size == 64 and mnist.lr == 0.001


def test_a_resumed_run_reports_the_warm_start_without_repeating_it(
    make_config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = KMeansWarmStart.__call__

    def counted(self, net, x, seed):
        calls.append(seed)
        return original(self, net, x, seed)

    monkeypatch.setattr(KMeansWarmStart, "__call__", counted)
    results = train(make_config("trainer.max_epochs=1", "logger=none"))
    assert 0.9 < results["warm_start/agreement"] <= 1.0 and len(calls) == 1
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    resumed_dir = tmp_path / "resumed"
    train(make_config("trainer.max_epochs=2", "logger=none", f"ckpt_path={last}",
                      output_dir=resumed_dir))  # fmt: skip
    resumed = json.loads((resumed_dir / "results.json").read_text())
    assert resumed["epochs"] == 2 and len(calls) == 1
    assert resumed["warm_start/agreement"] == results["warm_start/agreement"]
