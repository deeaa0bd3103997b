"""Whole-array clustering scores, Hungarian ordering, per-cluster table and kNN errors."""

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from gmvae_lightning.knn import knn_errors
from gmvae_lightning.metrics import ClusterAccuracy
from gmvae_lightning.scoring import (
    cluster_table,
    clustering_scores,
    confusion_matrix,
    hungarian_order,
)


class TestClusteringScores:
    def test_permuted_clusters_score_perfectly(self) -> None:
        labels = np.repeat(np.arange(4), 5)
        clusters = (labels + 1) % 4
        scores = clustering_scores(clusters, labels, 4, 4)
        assert scores == pytest.approx({"acc": 1.0, "nmi": 1.0, "ari": 1.0})

    @pytest.mark.parametrize("num_clusters", [7, 10, 14])
    def test_accuracy_matches_the_module_metric(self, num_clusters: int) -> None:
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 10, 500)
        clusters = np.where(
            rng.random(500) < 0.6, labels % num_clusters, rng.integers(0, num_clusters, 500)
        )
        metric = ClusterAccuracy(num_clusters, 10)
        metric.update(torch.from_numpy(clusters), torch.from_numpy(labels))
        scores = clustering_scores(clusters, labels, num_clusters, 10)
        assert scores["acc"] == pytest.approx(float(metric.compute()), abs=1e-6)
        assert scores["ari"] == pytest.approx(adjusted_rand_score(labels, clusters))

    def test_unlabelled_points_are_ignored(self) -> None:
        labels = np.array([0, 0, 1, 1, -1, -1])
        clusters = np.array([1, 1, 0, 0, 0, 1])
        assert clustering_scores(clusters, labels, 2, 2)["acc"] == 1.0


def test_hungarian_order_puts_matches_on_the_diagonal() -> None:
    labels = np.repeat(np.arange(3), 10)
    clusters = np.array([2] * 10 + [0] * 10 + [3] * 10)  # cluster 1 is empty
    confusion = confusion_matrix(clusters, labels, 4, 3)
    order = hungarian_order(confusion)
    assert order == [2, 0, 3, 1]
    assert np.trace(confusion[order][:3]) == 30


def test_cluster_table_reports_size_majority_and_purity() -> None:
    confusion = np.array([[8, 2], [0, 0], [1, 9]])
    rows = cluster_table(confusion)
    assert rows[0] == {"cluster": 0, "size": 10, "majority_class": 0, "purity": 0.8}
    assert rows[1]["size"] == 0 and rows[1]["majority_class"] == -1
    assert rows[2]["majority_class"] == 1 and rows[2]["purity"] == pytest.approx(0.9)


class TestKnn:
    def test_separated_classes_have_no_error(self) -> None:
        rng = np.random.default_rng(0)
        y = np.repeat(np.arange(3), 40)
        z = rng.normal(size=(120, 2)) * 0.1 + y[:, None] * 5.0
        errors = knn_errors(z[::2], y[::2], z[1::2], y[1::2])
        assert errors == {"knn_error@3": 0.0, "knn_error@5": 0.0, "knn_error@10": 0.0}

    def test_uninformative_features_give_chance_error(self) -> None:
        rng = np.random.default_rng(0)
        z, y = rng.normal(size=(2000, 4)), rng.integers(0, 10, 2000)
        errors = knn_errors(z[:1000], y[:1000], z[1000:], y[1000:], ks=(10,))
        assert 0.8 < errors["knn_error@10"] < 0.97
