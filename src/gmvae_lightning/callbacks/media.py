"""Sending figures and tables to W&B when a W&B logger is attached (and doing nothing else)."""

from collections.abc import Sequence
from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import WandbLogger


def wandb_loggers(trainer: L.Trainer) -> list[WandbLogger]:
    return [logger for logger in trainer.loggers if isinstance(logger, WandbLogger)]


def log_images(trainer: L.Trainer, key: str, paths: Sequence[Path], caption: str = "") -> None:
    """Log PNG files as one W&B image entry under ``key`` at the current step (rank zero)."""
    if trainer.global_rank != 0:
        return
    for logger in wandb_loggers(trainer):
        extra = {"caption": [caption] * len(paths)} if caption else {}
        logger.log_image(key, images=[str(p) for p in paths], **extra)


def log_table(trainer: L.Trainer, key: str, rows: Sequence[dict]) -> None:
    """Log a list of same-keyed dicts as a W&B table (rank zero)."""
    if trainer.global_rank != 0 or not rows:
        return
    columns = list(rows[0])
    for logger in wandb_loggers(trainer):
        logger.log_table(key, columns=columns, data=[[row[c] for c in columns] for row in rows])
