"""Clustering scores on whole arrays (numpy): ACC (Hungarian), NMI (arithmetic), ARI.

The same definitions as the module's torchmetrics; used where predictions are already in
memory (callbacks on the full training split, baselines, evaluation).
"""

from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from gmvae_lightning.metrics import cluster_accuracy, hungarian_mapping


def confusion_matrix(
    clusters: np.ndarray, labels: np.ndarray, num_clusters: int, num_classes: int
) -> np.ndarray:
    """``(K, C)`` counts of points of cluster ``k`` with class ``c``."""
    index = clusters.astype(np.int64) * num_classes + labels.astype(np.int64)
    counts = np.bincount(index, minlength=num_clusters * num_classes)
    return counts.reshape(num_clusters, num_classes)


def clustering_scores(
    clusters: np.ndarray, labels: np.ndarray, num_clusters: int, num_classes: int
) -> dict[str, float]:
    """``{"acc", "nmi", "ari"}`` for points with known labels (``label >= 0``)."""
    known = labels >= 0
    clusters, labels = clusters[known], labels[known]
    confusion = confusion_matrix(clusters, labels, num_clusters, num_classes)
    return {
        "acc": cluster_accuracy(confusion),
        "nmi": float(normalized_mutual_info_score(labels, clusters, average_method="arithmetic")),
        "ari": float(adjusted_rand_score(labels, clusters)),
    }


def hungarian_order(confusion: np.ndarray) -> list[int]:
    """Cluster indices ordered by the class they are matched to; unmatched clusters last,
    largest first. Rows of a confusion matrix in this order put the matches on the diagonal."""
    mapping = hungarian_mapping(confusion)
    matched = sorted(mapping, key=mapping.__getitem__)
    rest = sorted(set(range(confusion.shape[0])) - set(matched), key=lambda k: -confusion[k].sum())
    return matched + rest


def cluster_table(confusion: np.ndarray) -> list[dict[str, float | int]]:
    """Per cluster: size, majority class and purity (share of the majority class)."""
    rows = []
    for k, counts in enumerate(confusion):
        size = int(counts.sum())
        rows.append(
            {
                "cluster": k,
                "size": size,
                "majority_class": int(counts.argmax()) if size else -1,
                "purity": float(counts.max() / size) if size else float("nan"),
            }
        )
    return rows


def write_cluster_table(confusion: np.ndarray, path: Path) -> list[dict[str, float | int]]:
    """``cluster_table`` as a CSV file at ``path``; returns the rows."""
    rows = cluster_table(confusion)
    lines = [f"{r['cluster']},{r['size']},{r['majority_class']},{r['purity']:.4f}\n" for r in rows]
    path.write_text("cluster,size,majority_class,purity\n" + "".join(lines))
    return rows
