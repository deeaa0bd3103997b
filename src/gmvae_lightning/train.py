"""``train(cfg)``: build everything from the composed config, fit, test, write results.json."""

import json
import time
from pathlib import Path
from typing import Any

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from gmvae_lightning.hardware import needs_own_process, run_job_in_own_process
from gmvae_lightning.module import GMVAEModule
from gmvae_lightning.progress import with_progress_bar

RESULT_KEYS = ("acc", "nmi", "ari")


def build_loggers(cfg: DictConfig) -> list:
    loggers = cfg.get("logger") or {}
    return [instantiate(conf) for conf in loggers.values() if conf is not None]


def build_callbacks(cfg: DictConfig) -> list:
    callbacks = cfg.get("callbacks") or {}
    built = [instantiate(conf) for conf in callbacks.values() if conf is not None]
    return with_progress_bar(cfg, built)


def build_module(cfg: DictConfig) -> GMVAEModule:
    module = instantiate(cfg.model, temperature=instantiate(cfg.temperature))
    module.run_config = OmegaConf.to_container(cfg, resolve=True)
    return module


def train(cfg: DictConfig) -> dict[str, Any]:
    """Fit on the training split, score on ``test`` and ``all``; returns ``results.json``'s dict."""
    if needs_own_process(cfg):
        return run_job_in_own_process(cfg)
    L.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.dataset)
    module = build_module(cfg)
    loggers = build_loggers(cfg)
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=build_callbacks(cfg), logger=loggers or False
    )
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))

    start = time.perf_counter()
    trainer.fit(module, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
    train_time = time.perf_counter() - start
    trainer.test(module, datamodule=datamodule, verbose=False)

    results = collect_results(cfg, trainer, train_time)
    write_results(Path(cfg.paths.output_dir) / "results.json", results)
    return results


def collect_results(cfg: DictConfig, trainer: L.Trainer, train_time: float) -> dict[str, Any]:
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    results: dict[str, Any] = {
        "dataset": cfg.dataset.name,
        "model": cfg.model.name,
        "seed": cfg.seed,
        "epochs": trainer.current_epoch,
        "num_clusters": cfg.model.num_clusters,
        "train_time_s": round(train_time, 3),
    }
    for split in ("test", "all", "val"):
        for name in (*RESULT_KEYS, "loss", "kl_categorical", "largest_cluster", "used_clusters"):
            key = f"{split}/{name}"
            if key in metrics:
                results[key] = metrics[key]
    return results


@rank_zero_only
def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
