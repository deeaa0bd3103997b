"""ACC / NMI / ARI every epoch on whole splits, best-so-far values, and a confusion matrix."""

from collections.abc import Sequence
from pathlib import Path

import lightning as L
import numpy as np

from gmvae_lightning.callbacks.media import log_images, log_table
from gmvae_lightning.figures import confusion_figure
from gmvae_lightning.inference import predict
from gmvae_lightning.scoring import clustering_scores, confusion_matrix, write_cluster_table

SCORES = ("acc", "nmi", "ari")


class ClusteringMetrics(L.Callback):
    """Scores the full ``splits`` (default the whole training split and the test split) after
    each training epoch, as ``<split>/acc`` etc., and ``<split>/<score>_best`` (also for
    ``val``, which the module scores itself). At the end of fitting it draws the confusion matrix
    (clusters × classes, Hungarian-ordered) of ``confusion_split`` into ``plots_dir`` and logs a
    per-cluster table (size, majority class, purity) to W&B.

    Predictions are gathered across DDP ranks before scoring, so the values are exact.
    """

    def __init__(
        self,
        plots_dir: str,
        splits: Sequence[str] = ("train", "test"),
        every_n_epochs: int = 1,
        confusion_split: str = "test",
        batch_size: int = 2048,
    ) -> None:
        self.plots_dir, self.splits = Path(plots_dir), list(splits)
        self.every_n_epochs, self.confusion_split = every_n_epochs, confusion_split
        self.batch_size = batch_size
        self.best: dict[str, float] = {}

    def _clusters(self, trainer: L.Trainer, pl_module: L.LightningModule, split: str):
        x, y = trainer.datamodule.split(split)
        probs, _ = predict(pl_module, x, self.batch_size)
        return probs.argmax(-1).numpy(), y.numpy()

    def _available(self, trainer: L.Trainer, split: str) -> bool:
        datamodule = trainer.datamodule
        return bool(getattr(datamodule, "has_labels", False)) and split in datamodule.tensors

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.every_n_epochs < 1 or (trainer.current_epoch + 1) % self.every_n_epochs:
            return
        hp = pl_module.hparams
        values: dict[str, float] = {}
        for split in self.splits:
            if not self._available(trainer, split):
                continue
            clusters, labels = self._clusters(trainer, pl_module, split)
            scores = clustering_scores(clusters, labels, hp.num_clusters, hp.num_classes)
            values.update({f"{split}/{name}": value for name, value in scores.items()})
        for name in SCORES:
            key = f"val/{name}"
            if key in trainer.callback_metrics:
                values.setdefault(key, float(trainer.callback_metrics[key]))
        for key, value in list(values.items()):
            if np.isfinite(value):
                self.best[key] = max(self.best.get(key, -np.inf), value)
                values[f"{key}_best"] = self.best[key]
            if key.startswith("val/"):
                del values[key]
        for key, value in values.items():
            pl_module.log(key, value, on_epoch=True, prog_bar=False)

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        split = self.confusion_split
        if not self._available(trainer, split):
            return
        clusters, labels = self._clusters(trainer, pl_module, split)
        known = labels >= 0
        hp = pl_module.hparams
        confusion = confusion_matrix(
            clusters[known], labels[known], hp.num_clusters, hp.num_classes
        )
        if trainer.global_rank != 0:
            return
        path = confusion_figure(
            confusion,
            self.plots_dir / f"confusion_{split}.png",
            f"{split}: clusters × classes (epoch {trainer.current_epoch})",
        )
        rows = write_cluster_table(confusion, self.plots_dir / f"clusters_{split}.csv")
        log_images(trainer, f"{split}/confusion_matrix", [path])
        log_table(trainer, f"{split}/clusters", rows)

    def state_dict(self) -> dict:
        return {"best": dict(self.best)}

    def load_state_dict(self, state_dict: dict) -> None:
        self.best = dict(state_dict.get("best", {}))
