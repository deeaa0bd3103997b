"""Cluster accuracy (Hungarian), NMI and ARI against hand-computed cases and scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from torchmetrics.clustering import AdjustedRandScore, NormalizedMutualInfoScore

from gmvae_lightning.metrics import ClusterAccuracy, ClusterSizes, hungarian_mapping


def accuracy(clusters: list[int], labels: list[int], k: int, c: int) -> float:
    metric = ClusterAccuracy(k, c)
    metric.update(torch.tensor(clusters), torch.tensor(labels))
    return float(metric.compute())


def test_permuted_labels_score_one() -> None:
    assert accuracy([2, 2, 0, 0, 1, 1], [0, 0, 1, 1, 2, 2], 3, 3) == 1.0


def test_hand_computed_case() -> None:
    # cluster 0 -> class 0 (2 hits), cluster 1 -> class 1 (2 hits); 4 of 6 matched
    assert accuracy([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 0], 2, 2) == pytest.approx(4 / 6)


def test_one_to_one_matching_not_majority_vote() -> None:
    # both clusters are mostly class 0, but only one of them may map to it
    assert accuracy([0, 0, 0, 1, 1, 1], [0, 0, 1, 0, 0, 1], 2, 2) == pytest.approx(3 / 6)


@pytest.mark.parametrize(("k", "c"), [(7, 10), (10, 10), (14, 10)])
def test_matches_brute_force_reference_for_k_not_c(k: int, c: int) -> None:
    rng = np.random.default_rng(k)
    labels = rng.integers(0, c, 500)
    clusters = np.where(rng.random(500) < 0.7, labels % k, rng.integers(0, k, 500))
    confusion = np.zeros((k, c), dtype=int)
    np.add.at(confusion, (clusters, labels), 1)
    mapping = hungarian_mapping(confusion)
    assert len(mapping) == min(k, c)
    assert len(set(mapping.values())) == len(mapping)
    expected = sum(confusion[i, j] for i, j in mapping.items()) / 500
    # the optimal matching is at least as good as any greedy one-to-one matching
    greedy, used = 0, set()
    for i in np.argsort(-confusion.max(1)):
        free = [j for j in np.argsort(-confusion[i]) if j not in used]
        if free:
            used.add(free[0])
            greedy += confusion[i, free[0]]
    assert expected >= greedy / 500
    assert accuracy(clusters.tolist(), labels.tolist(), k, c) == pytest.approx(expected)


def test_accumulates_over_batches() -> None:
    metric = ClusterAccuracy(2, 2)
    metric.update(torch.tensor([1, 1]), torch.tensor([0, 0]))
    metric.update(torch.tensor([0, 0]), torch.tensor([1, 0]))
    assert float(metric.compute()) == pytest.approx(3 / 4)


def test_nmi_and_ari_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 1000)
    clusters = np.where(rng.random(1000) < 0.6, labels, rng.integers(0, 10, 1000))
    nmi = NormalizedMutualInfoScore(average_method="arithmetic")
    ari = AdjustedRandScore()
    nmi.update(torch.tensor(clusters), torch.tensor(labels))
    ari.update(torch.tensor(clusters), torch.tensor(labels))
    assert float(nmi.compute()) == pytest.approx(
        normalized_mutual_info_score(labels, clusters), abs=1e-5
    )
    assert float(ari.compute()) == pytest.approx(adjusted_rand_score(labels, clusters), abs=1e-5)


def test_cluster_sizes_count_every_cluster() -> None:
    sizes = ClusterSizes(4)
    sizes.update(torch.tensor([0, 0, 3]))
    assert sizes.compute().tolist() == [2, 0, 0, 1]
