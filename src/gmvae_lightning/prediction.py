"""Cluster new data with a trained module: input checks, batched inference, the CLI task."""

from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from torch import Tensor

from gmvae_lightning import inference
from gmvae_lightning.errors import UserError
from gmvae_lightning.module import GMVAEModule


def check_inputs(x: np.ndarray, module: GMVAEModule, source: str = "input") -> np.ndarray:
    """``x`` as float32 ``(N, D)`` after checking it against what ``module`` was trained on.

    Images ``(N, H, W)`` are flattened. The feature count must equal the network's input size;
    a Bernoulli reconstruction was trained on values in [0, 1], so the input must lie there too.
    """
    x = np.asarray(x, dtype=np.float32)
    input_dim = module.net.input_dim
    if x.ndim > 2:
        x = x.reshape(len(x), -1)
    if x.ndim == 1 and x.shape[0] == input_dim:
        x = x[None, :]
    trained_on = _trained_on(module)
    if x.ndim != 2 or x.shape[1] != input_dim or len(x) == 0:
        raise UserError(
            f"{source} has shape {x.shape} but the model was trained on {input_dim} features per "
            f"row{trained_on}; give one sample per row with {input_dim} values."
        )
    if not np.isfinite(x).all():
        raise UserError(f"{source} holds NaN or infinite values; remove or fill them first.")
    if module.hparams.reconstruction == "bernoulli" and (x.min() < 0 or x.max() > 1):
        raise UserError(
            f"{source} has values in [{x.min():g}, {x.max():g}] but the model{trained_on} was "
            "trained on values in [0, 1] (Bernoulli reconstruction); scale the input the same "
            "way (for 8-bit images divide by 255)."
        )
    return x


def _trained_on(module: GMVAEModule) -> str:
    dataset = (module.run_config or {}).get("dataset") or {}
    return f" ({dataset['name']})" if "name" in dataset else ""


def predict_arrays(
    module: GMVAEModule, x: np.ndarray | Tensor, batch_size: int = 1024
) -> dict[str, np.ndarray]:
    """``cluster`` ``(N,)``, its ``probability`` ``(N,)``, ``q_c`` ``(N, K)``, ``latent_mean``
    ``(N, Z)``; the cluster is ``argmax q(c|x)``, as the run scored it."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    x = check_inputs(x, module)
    if batch_size < 1:
        raise UserError(f"batch_size must be >= 1, got {batch_size}.")
    q_c, latent_mean = inference.predict(module, torch.from_numpy(x), batch_size, distributed=False)
    probability, cluster = q_c.max(dim=-1)
    return {
        "cluster": cluster.numpy().astype(np.int64),
        "probability": probability.numpy(),
        "q_c": q_c.numpy(),
        "latent_mean": latent_mean.numpy(),
    }


def required(cfg: DictConfig, key: str, example: str) -> str:
    if OmegaConf.is_missing(cfg, key) or cfg.get(key) in (None, ""):
        raise UserError(
            f"{key} is required: python predict.py ckpt_path=<run>/checkpoints/last.ckpt "
            f"input=<file> output=<file.csv|file.npz> ({key}={example})."
        )
    return str(cfg[key])


def predict(cfg: DictConfig) -> dict[str, np.ndarray]:
    """``predict.py``: read ``input``, cluster it with ``ckpt_path``'s model, write ``output``."""
    from gmvae_lightning.checkpoint import load_module
    from gmvae_lightning.predict_io import check_output_path, read_inputs, write_predictions

    ckpt_path = required(cfg, "ckpt_path", "logs/train/runs/<run>/checkpoints/last.ckpt")
    input_path = required(cfg, "input", "data.npy")
    output = check_output_path(required(cfg, "output", "clusters.csv"))
    module, _ = load_module(ckpt_path)
    x = check_inputs(read_inputs(input_path), module, source=f"input {input_path}")
    predictions = predict_arrays(module, x, int(cfg.get("batch_size") or 1024))
    write_predictions(Path(output), predictions)
    return predictions
