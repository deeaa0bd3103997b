"""Checks of the composed run config that must happen before anything is built.

Building first would turn these mistakes into PyTorch or Lightning tracebacks (a negative
layer size, a missing GPU); here each becomes one ``UserError`` that says what to change.
"""

import os

import torch
from omegaconf import DictConfig

from gmvae_lightning.errors import UserError


def check_run_config(cfg: DictConfig) -> None:
    check_model(cfg.model)
    batch_size = cfg.dataset.get("batch_size")
    if batch_size is not None and int(batch_size) < 1:
        raise UserError(f"dataset.batch_size must be >= 1, got {batch_size}.")
    check_devices(cfg.trainer)
    count, _ = check_restarts(cfg.get("restarts"))
    if count > 1 and requested_devices(cfg.trainer.get("devices", 1)) != 1:
        raise UserError(
            f"restarts.count={count} selects among restarts on one device; set "
            "trainer.devices=1, or restarts.count=1 to train on several devices."
        )
    if count > 1 and cfg.get("warm_start"):
        raise UserError(
            f"restarts.count={count} and warm_start both choose the starting weights; use one: "
            "restarts.count=1, or warm_start=none."
        )


def check_model(model: DictConfig) -> None:
    latent_dim, num_clusters = model.get("latent_dim"), model.get("num_clusters")
    if latent_dim is not None and int(latent_dim) < 1:
        raise UserError(f"model.latent_dim must be at least 1, got {latent_dim}.")
    if num_clusters is not None and int(num_clusters) < 2:
        raise UserError(f"model.num_clusters must be at least 2, got {num_clusters}.")


def available_devices(accelerator: str) -> int | None:
    """How many devices of ``accelerator`` this machine has; ``None`` when we cannot tell."""
    if accelerator == "cpu":
        return os.cpu_count() or 1
    if accelerator in ("gpu", "cuda"):
        return torch.cuda.device_count()
    if accelerator == "auto":
        return torch.cuda.device_count() or os.cpu_count() or 1
    return None


def requested_devices(devices: object) -> int | None:
    """The device count ``trainer.devices`` asks for; ``None`` for ``auto`` / ``-1``."""
    if isinstance(devices, int) and not isinstance(devices, bool):
        return devices if devices >= 0 else None
    if isinstance(devices, str):
        text = devices.strip()
        if text in ("auto", "-1"):
            return None
        if text.lstrip("-").isdigit():
            return requested_devices(int(text))
        return len([part for part in text.split(",") if part.strip()])
    try:
        return len(list(devices))  # type: ignore[call-overload]
    except TypeError:
        return None


def check_devices(trainer: DictConfig) -> None:
    accelerator = str(trainer.get("accelerator", "auto")).lower()
    devices = trainer.get("devices", "auto")
    wanted, have = requested_devices(devices), available_devices(accelerator)
    if wanted == 0:
        raise UserError("trainer.devices must be at least 1 (or auto), got 0.")
    if accelerator in ("gpu", "cuda") and have == 0:
        raise UserError(
            f"trainer.accelerator={accelerator} but this machine has no CUDA GPU that PyTorch "
            "can use; train on the CPU with trainer.accelerator=cpu (or hardware=cpu)."
        )
    if wanted is not None and have is not None and wanted > have:
        kind = "CPU cores" if have and accelerator == "cpu" else f"{accelerator} devices"
        raise UserError(
            f"trainer.devices={devices} asks for {wanted} devices but this machine has {have} "
            f"{kind}; use trainer.devices={have} or fewer (or trainer.devices=auto)."
        )


def check_restarts(restarts: DictConfig | None) -> tuple[int, int]:
    """``(count, epochs)`` from the ``restarts`` config, with a clear error when out of range."""
    if restarts is None:
        return 1, 0
    count, epochs = int(restarts.get("count", 1)), int(restarts.get("epochs", 0))
    if count < 1:
        raise UserError(f"restarts.count must be >= 1 (1 = no selection), got {count}.")
    if count > 1 and epochs < 1:
        raise UserError(f"restarts.epochs must be >= 1 when restarts.count > 1, got {epochs}.")
    return count, epochs
