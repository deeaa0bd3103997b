"""Rebuild a trained module from a checkpoint alone (it carries its composed run config)."""

from pathlib import Path
from typing import Any

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

from gmvae_lightning.cli import find_user_error
from gmvae_lightning.errors import UserError
from gmvae_lightning.module import GMVAEModule


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"checkpoint {path} does not exist; pass ckpt_path=<run>/checkpoints/last.ckpt."
        )
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:
        raise UserError(f"{path} is not a readable checkpoint ({type(error).__name__}).") from None
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise UserError(f"{path} is not a Lightning checkpoint (no state_dict).")
    if "run_config" not in checkpoint:
        raise UserError(f"{path} was not written by gmvae-lightning's train.py (no run_config).")
    return checkpoint


def check_weights_fit(module: nn.Module, state_dict: dict[str, Any], path: str | Path) -> None:
    """Raise a ``UserError`` naming the first weight whose name or shape differs."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    if missing or unexpected:
        raise UserError(
            f"{path} holds another model: its weights do not match the configured one "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]}); check model= and the "
            "checkpoint."
        )
    for name, value in own.items():
        theirs = state_dict[name]
        if tuple(theirs.shape) != tuple(value.shape):
            raise UserError(
                f"{path} holds a model of another size: {name} has shape {tuple(theirs.shape)} "
                f"in the checkpoint but {tuple(value.shape)} in the configured model; the "
                "dataset (input size), model.num_clusters or model.latent_dim differ."
            )


def load_module(path: str | Path) -> tuple[GMVAEModule, DictConfig]:
    """The trained module in eval mode, and the config it was trained with."""
    checkpoint = read_checkpoint(path)
    cfg = OmegaConf.create(checkpoint["run_config"])
    try:
        module = instantiate(cfg.model, temperature=instantiate(cfg.temperature))
    except Exception as error:
        user_error = find_user_error(error)
        raise UserError(
            f"{path}: the model its run config describes cannot be built: {user_error or error}"
        ) from None
    check_weights_fit(module, checkpoint["state_dict"], path)
    module.load_state_dict(checkpoint["state_dict"])
    module.run_config = checkpoint["run_config"]
    return module.eval(), cfg
