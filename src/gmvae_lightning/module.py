"""The LightningModule: the ELBO, its logging, and clustering metrics for one model."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import Tensor, nn
from torchmetrics.clustering import AdjustedRandScore, NormalizedMutualInfoScore

from gmvae_lightning.errors import UserError
from gmvae_lightning.hardware import reseed_noise_per_rank
from gmvae_lightning.metrics import ClusterAccuracy, ClusterSizes, RunningTerms
from gmvae_lightning.models import ClusteringVAE, LossTerms
from gmvae_lightning.temperature import ExponentialTemperature, TemperatureSchedule

EVAL_STAGES = ("val", "test", "all")


class GMVAEModule(L.LightningModule):
    """Trains a ``ClusteringVAE`` on ``w_rec·rec + w_cat·KL(c) + w_gauss·KL(z)``.

    The cluster of a point is ``argmax q(c|x)``. Batches are ``(x, y)`` with ``y = -1`` when
    labels are unknown; label metrics then are not computed.
    """

    def __init__(
        self,
        net: ClusteringVAE,
        optimizer: Callable[..., torch.optim.Optimizer],
        temperature: TemperatureSchedule | None = None,
        name: str = "simple",
        num_clusters: int = 10,
        latent_dim: int = 64,
        num_classes: int | None = 10,
        reconstruction: str = "bernoulli",
        w_rec: float = 1.0,
        w_cat: float = 1.0,
        w_gauss: float = 1.0,
        hard_gumbel: bool = False,
        compile: bool = False,
    ) -> None:
        super().__init__()
        if num_clusters < 2:
            raise UserError(f"model.num_clusters must be at least 2, got {num_clusters}.")
        if latent_dim < 1:
            raise UserError(f"model.latent_dim must be at least 1, got {latent_dim}.")
        if (net.num_clusters, net.latent_dim) != (num_clusters, latent_dim):
            raise UserError(
                f"model.net was built with K={net.num_clusters}, z={net.latent_dim} but the "
                f"module expects K={num_clusters}, z={latent_dim}; set them via "
                "model.num_clusters and model.latent_dim."
            )
        if reconstruction not in ("bernoulli", "gaussian"):
            raise UserError(
                f"reconstruction must be 'bernoulli' or 'gaussian', got {reconstruction!r}."
            )
        self.save_hyperparameters(ignore=["net", "optimizer", "temperature"])
        self.net, self.optimizer_factory = net, optimizer
        self.temperature_schedule = temperature or ExponentialTemperature()
        self.weights = (w_rec, w_cat, w_gauss)
        self.metrics = nn.ModuleDict({stage: self._stage_metrics() for stage in EVAL_STAGES})
        self.train_terms = RunningTerms()
        self.run_config: dict[str, Any] | None = None
        # how the starting weights were chosen (restart scores, the warm start's agreement);
        # kept in checkpoints so that a resumed run reports it like an uninterrupted one
        self.start_record: dict[str, Any] = {}

    def _stage_metrics(self) -> nn.ModuleDict:
        metrics: dict[str, nn.Module] = {"sizes": ClusterSizes(self.hparams.num_clusters)}
        if self.hparams.num_classes is not None:
            metrics["acc"] = ClusterAccuracy(self.hparams.num_clusters, self.hparams.num_classes)
            metrics["nmi"] = NormalizedMutualInfoScore(average_method="arithmetic")
            metrics["ari"] = AdjustedRandScore()
        return nn.ModuleDict(metrics)

    @property
    def temperature(self) -> float:
        return self.temperature_schedule(self.current_epoch, self.global_step)

    def forward(self, x: Tensor) -> Tensor:
        """``q(c|x)``, shape ``(B, K)``."""
        return self.net.cluster_probs(x)

    def model_step(self, x: Tensor, stage: str) -> tuple[Tensor, Tensor]:
        """Loss and logits of one batch; logs every ELBO term under ``stage/``."""
        compiled = stage == "train" and self.hparams.get("compile", False)
        loss, terms, logits = (self._compiled_elbo if compiled else self._elbo)(x, self.temperature)
        if stage == "train":
            self.train_terms.add(loss, terms, len(x))
            if self._logs_this_step():
                self.log("train/loss_step", loss, prog_bar=True, on_step=True, on_epoch=False)
            return loss, logits
        log = dict(on_epoch=True, batch_size=len(x), add_dataloader_idx=False, sync_dist=True)
        self.log(f"{stage}/loss", loss, on_step=False, **log)
        self.log(f"{stage}/reconstruction", terms.reconstruction, on_step=False, **log)
        self.log(f"{stage}/kl_categorical", terms.categorical, on_step=False, **log)
        self.log(f"{stage}/kl_gaussian", terms.gaussian, on_step=False, **log)
        return loss, logits

    @property
    def last_loss_terms(self) -> dict[str, Tensor]:
        """The latest training step's ELBO terms by name (for the non-finite guard)."""
        last = self.train_terms.last
        names = ("loss", *RunningTerms.NAMES[1:])
        return {} if last is None else dict(zip(names, last, strict=True))

    def _elbo(self, x: Tensor, temperature: float) -> tuple[Tensor, LossTerms, Tensor]:
        out = self.net(x, temperature, hard=self.hparams.hard_gumbel)
        terms = self.net.loss_terms(x, out, self.hparams.reconstruction)
        return terms.weighted(*self.weights), terms, out.logits

    @property
    def _compiled_elbo(self) -> Callable[[Tensor, float], tuple[Tensor, LossTerms, Tensor]]:
        """``torch.compile`` of the training forward and loss (``model.compile=true``), built on
        first use so that the module stays picklable until training starts."""
        if "_compiled_elbo_fn" not in self.__dict__:
            self.__dict__["_compiled_elbo_fn"] = torch.compile(self._elbo)
        return self.__dict__["_compiled_elbo_fn"]

    def _logs_this_step(self) -> bool:
        """Whether Lightning writes step metrics after this step (every ``log_every_n_steps``).

        ``self.log`` costs far more than a small network's step, so the training step only calls
        it when the value will be written.
        """
        connector = getattr(self._trainer, "_logger_connector", None)
        return connector is None or connector.should_update_logs

    def on_fit_start(self) -> None:
        """Under DDP, weights are now broadcast from rank 0; give each rank its own noise."""
        reseed_noise_per_rank(self.global_rank, self.trainer.world_size)

    def on_train_epoch_start(self) -> None:
        self.train_terms.reset()

    def on_train_epoch_end(self) -> None:
        """The epoch means of the ELBO terms, averaged over processes (equal shards under DDP)."""
        log = dict(on_step=False, on_epoch=True, sync_dist=True)
        for name, value in self.train_terms.means().items():
            self.log(f"train/{name}", value, prog_bar=name == "loss_epoch", **log)
        self.log("train/temperature", float(self.temperature), **log)

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        return self.model_step(batch[0], "train")[0]

    def _eval_step(self, batch: tuple[Tensor, Tensor], stage: str) -> None:
        x, y = batch
        _, logits = self.model_step(x, stage)
        clusters = logits.argmax(dim=-1)
        for name, metric in self.metrics[stage].items():
            if name == "sizes":
                metric.update(clusters)
            else:
                metric.update(clusters, y)

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def test_step(
        self, batch: tuple[Tensor, Tensor], batch_idx: int, dataloader_idx: int = 0
    ) -> None:
        names = getattr(self.trainer.datamodule, "test_split_names", ["test"])
        self._eval_step(batch, names[dataloader_idx])

    def _log_eval_metrics(self, stage: str) -> None:
        metrics = self.metrics[stage]
        sizes = metrics["sizes"].compute().float()
        if sizes.sum() == 0:
            return
        fractions = sizes / sizes.sum()
        # values computed from synced metric states are equal on every rank: the mean is a no-op
        log = dict(add_dataloader_idx=False, sync_dist=True)
        self.log(f"{stage}/largest_cluster", fractions.max(), **log)
        used = (fractions >= 0.01).sum().float()
        self.log(f"{stage}/used_clusters", used, **log)
        for name in ("acc", "nmi", "ari"):
            if name in metrics:
                value = metrics[name].compute()
                self.log(f"{stage}/{name}", value, prog_bar=stage == "val", **log)
        for metric in metrics.values():
            metric.reset()

    def on_validation_epoch_end(self) -> None:
        self._log_eval_metrics("val")

    def on_test_epoch_end(self) -> None:
        for stage in ("test", "all"):
            self._log_eval_metrics(stage)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_factory(params=self.parameters())

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store the composed run config so a checkpoint can rebuild its own model."""
        if self.run_config is not None:
            checkpoint["run_config"] = self.run_config
        if self.start_record:
            checkpoint["start_record"] = self.start_record

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.start_record = dict(checkpoint.get("start_record", {}))

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> "GMVAEModule":
        """The trained module (eval mode, CPU) rebuilt from the run config its checkpoint holds."""
        from gmvae_lightning.checkpoint import load_module

        return load_module(path)[0]

    @classmethod
    def load_from_checkpoint(  # type: ignore[override]
        cls, checkpoint_path: str | Path, *args: Any, **kwargs: Any
    ) -> "GMVAEModule":
        """Same as ``from_checkpoint``: the network is rebuilt from the checkpoint's config."""
        return cls.from_checkpoint(checkpoint_path)

    @torch.no_grad()
    def predict(self, x: np.ndarray | Tensor, batch_size: int = 1024) -> dict[str, np.ndarray]:
        """``x`` ``(N, D)`` -> ``cluster``, ``probability``, ``q_c`` and ``latent_mean`` arrays."""
        from gmvae_lightning.prediction import predict_arrays

        return predict_arrays(self, x, batch_size)
