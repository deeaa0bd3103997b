"""Unsupervised model selection: several short restarts, keep the one with the best objective.

A clustering VAE's outcome depends on its initialisation (the poster's MNIST spread is ±8
points). ``restarts.count=N`` trains N candidates from seeds ``seed, seed+1, …`` for
``restarts.epochs`` epochs each, scores each by its loss on the validation split (the training
split when there is none: no label is used), and starts the real run from the best one's
weights. The real run then trains its full ``trainer.max_epochs``.
"""

import math
from collections.abc import Callable
from typing import Any

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig

from gmvae_lightning.config_checks import check_restarts
from gmvae_lightning.module import GMVAEModule


def candidate_score(trainer: L.Trainer, module: GMVAEModule, datamodule: Any) -> float:
    """The candidate's loss on held-out data, or its last training epoch's mean loss."""
    if getattr(datamodule, "val_size", 0):
        scores = trainer.validate(module, datamodule=datamodule, verbose=False)
        return float(scores[0]["val/loss"])
    return float(trainer.callback_metrics["train/loss_epoch"])


def select_initialisation(
    cfg: DictConfig, datamodule: Any, build_module: Callable[[DictConfig], GMVAEModule]
) -> tuple[GMVAEModule, list[float]]:
    """Trains ``restarts.count`` candidates briefly; returns the best and every score.

    ``build_module(cfg)`` builds a fresh module; each candidate draws its weights and noise
    from its own seed. Candidates use the run's trainer settings without its callbacks,
    loggers or checkpoints, so nothing they do reaches the run folder.
    """
    count, epochs = check_restarts(cfg.get("restarts"))
    best, best_score, scores = None, math.inf, []
    for index in range(count):
        L.seed_everything(cfg.seed + index, workers=True, verbose=False)
        module = build_module(cfg)
        trainer: L.Trainer = instantiate(
            cfg.trainer,
            max_epochs=epochs,
            callbacks=[],
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            plugins=None,
        )
        trainer.fit(module, datamodule=datamodule)
        score = candidate_score(trainer, module, datamodule)
        scores.append(score)
        if score < best_score or best is None:
            best, best_score = module, score
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    return best, scores
