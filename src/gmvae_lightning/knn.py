"""The poster's kNN table: a k-nearest-neighbour classifier on the learned latent means."""

from collections.abc import Sequence

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

KNN_KS = (3, 5, 10)


def knn_errors(
    train_z: np.ndarray,
    train_y: np.ndarray,
    test_z: np.ndarray,
    test_y: np.ndarray,
    ks: Sequence[int] = KNN_KS,
) -> dict[str, float]:
    """``{"knn_error@k": fraction misclassified}``, fit on train, scored on test (labelled only)."""
    train_known, test_known = train_y >= 0, test_y >= 0
    if not train_known.any() or not test_known.any():
        return {}
    errors = {}
    for k in ks:
        classifier = KNeighborsClassifier(n_neighbors=k, n_jobs=1)
        classifier.fit(train_z[train_known], train_y[train_known])
        accuracy = classifier.score(test_z[test_known], test_y[test_known])
        errors[f"knn_error@{k}"] = float(1.0 - accuracy)
    return errors
