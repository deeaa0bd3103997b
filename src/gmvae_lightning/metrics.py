"""Clustering metrics that stay correct under DDP (states are summed or gathered)."""

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torchmetrics import Metric

from gmvae_lightning.models.types import LossTerms


def hungarian_mapping(confusion: np.ndarray) -> dict[int, int]:
    """The one-to-one cluster → class matching that maximises the matched count.

    ``confusion[k, c]`` counts points of cluster ``k`` with class ``c``; K may differ from C,
    in which case ``|K − C|`` clusters or classes stay unmatched.
    """
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    return dict(zip(rows.tolist(), cols.tolist(), strict=True))


def cluster_accuracy(confusion: np.ndarray) -> float:
    """Share of points on the best one-to-one cluster → class matching; NaN for no points."""
    total = confusion.sum()
    if total == 0:
        return float("nan")
    matched = sum(confusion[k, c] for k, c in hungarian_mapping(confusion).items())
    return float(matched / total)


class ClusterConfusion(Metric):
    """Counts of (cluster, class) pairs, summed across processes."""

    full_state_update = False

    def __init__(self, num_clusters: int, num_classes: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_clusters, self.num_classes = num_clusters, num_classes
        self.add_state(
            "confusion",
            default=torch.zeros(num_clusters, num_classes, dtype=torch.long),
            dist_reduce_fx="sum",
        )

    def update(self, clusters: Tensor, labels: Tensor) -> None:
        index = clusters.long() * self.num_classes + labels.long()
        counts = torch.bincount(index, minlength=self.num_clusters * self.num_classes)
        self.confusion += counts.view(self.num_clusters, self.num_classes)

    def compute(self) -> Tensor:
        return self.confusion


class ClusterAccuracy(ClusterConfusion):
    """Unsupervised clustering accuracy: the best one-to-one matching (Hungarian) of clusters
    to classes, as in DEC and VaDE."""

    def compute(self) -> Tensor:
        return torch.tensor(cluster_accuracy(self.confusion.cpu().numpy()), dtype=torch.float32)


class ClusterSizes(Metric):
    """Number of points assigned to each cluster, summed across processes."""

    full_state_update = False

    def __init__(self, num_clusters: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_clusters = num_clusters
        self.add_state(
            "counts", default=torch.zeros(num_clusters, dtype=torch.long), dist_reduce_fx="sum"
        )

    def update(self, clusters: Tensor) -> None:
        self.counts += torch.bincount(clusters.long(), minlength=self.num_clusters)

    def compute(self) -> Tensor:
        return self.counts


class RunningTerms:
    """Batch-size-weighted sums of the training ELBO terms, kept on the device.

    Adding is a few tensor ops with no host sync; the means are read once per epoch.
    """

    NAMES = ("loss_epoch", "reconstruction", "kl_categorical", "kl_gaussian")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.totals: Tensor | None = None
        self.last: Tensor | None = None  # the latest batch's terms, in NAMES order
        self.count = 0

    def add(self, loss: Tensor, terms: LossTerms, batch_size: int) -> None:
        """``terms``: the batch's ``LossTerms`` (batch means)."""
        self.last = torch.stack(
            [
                loss.detach(),
                terms.reconstruction.detach(),
                terms.categorical.detach(),
                terms.gaussian.detach(),
            ]
        ).float()
        values = self.last * batch_size
        self.totals = values if self.totals is None else self.totals + values
        self.count += batch_size

    def means(self) -> dict[str, Tensor]:
        if self.totals is None:
            return {}
        return dict(zip(self.NAMES, self.totals / self.count, strict=True))
