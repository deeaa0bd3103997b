"""A progress bar that redraws every few steps instead of every step.

Lightning's default ``TQDMProgressBar`` redraws (and formats the logged metrics) after every
batch; for this small network that was ~5 % of a batch-64 CPU epoch (docs/performance.md).
"""

from lightning.pytorch.callbacks import Callback, ProgressBar, TQDMProgressBar
from omegaconf import DictConfig

REFRESH_STEPS = 25


def with_progress_bar(cfg: DictConfig, callbacks: list[Callback]) -> list[Callback]:
    """``callbacks`` plus a bar refreshed every ``REFRESH_STEPS`` batches, unless the config
    disables the bar (``trainer.enable_progress_bar=false``) or already brings one."""
    if not cfg.trainer.get("enable_progress_bar", True):
        return callbacks
    if any(isinstance(callback, ProgressBar) for callback in callbacks):
        return callbacks
    return [*callbacks, TQDMProgressBar(refresh_rate=REFRESH_STEPS)]
