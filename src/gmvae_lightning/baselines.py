"""Classical clustering baselines on the raw inputs, scored exactly like the VAEs.

Each run fits on the training split and writes a run folder whose ``results.json`` has the
same keys as ``train.py``'s (``model`` is the baseline's name), so the report puts the
baselines beside the VAEs.
"""

import time
from pathlib import Path
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig

from gmvae_lightning.errors import UserError
from gmvae_lightning.scoring import clustering_scores
from gmvae_lightning.train import write_results


def run_baseline(cfg: DictConfig) -> dict[str, Any]:
    """Fit ``cfg.baseline.estimator`` (a scikit-learn clusterer) on ``train``; score ``test`` and
    ``all``; write ``results.json`` into ``cfg.paths.output_dir``."""
    datamodule = instantiate(cfg.dataset)
    datamodule.prepare_data()
    datamodule.setup("fit")
    if not datamodule.has_labels:
        raise UserError(f"dataset {cfg.dataset.name} has no labels; baselines need them to score.")
    num_clusters = int(cfg.baseline.num_clusters)
    estimator = instantiate(cfg.baseline.estimator, random_state=int(cfg.seed))
    x_train = datamodule.split("train")[0].numpy()
    start = time.perf_counter()
    estimator.fit(x_train)
    train_time = time.perf_counter() - start
    results: dict[str, Any] = {
        "dataset": cfg.dataset.name,
        "model": cfg.baseline.name,
        "seed": int(cfg.seed),
        "epochs": 0,
        "num_clusters": num_clusters,
        "train_time_s": round(train_time, 3),
    }
    for split in datamodule.test_split_names:
        x, y = datamodule.split(split)
        clusters = np.asarray(estimator.predict(x.numpy()))
        scores = clustering_scores(clusters, y.numpy(), num_clusters, datamodule.num_classes)
        results.update({f"{split}/{name}": value for name, value in scores.items()})
    write_results(Path(cfg.paths.output_dir) / "results.json", results)
    return results
