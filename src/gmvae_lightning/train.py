"""``train(cfg)``: build everything from the composed config, fit, test, write results.json."""

import json
import time
from pathlib import Path
from typing import Any

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from gmvae_lightning.config_checks import check_restarts, check_run_config
from gmvae_lightning.data.complete import complete_config
from gmvae_lightning.evaluation import knn_results
from gmvae_lightning.hardware import needs_own_process, run_job_in_own_process
from gmvae_lightning.loggers import finish_wandb
from gmvae_lightning.module import GMVAEModule
from gmvae_lightning.progress import with_progress_bar
from gmvae_lightning.restarts import select_initialisation
from gmvae_lightning.resume import prepare_resume

RESULT_KEYS = ("acc", "nmi", "ari")
# the ELBO terms: all a run without labels can report, besides the cluster occupancy
ELBO_KEYS = ("loss", "reconstruction", "kl_categorical", "kl_gaussian")


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
    check_run_config(cfg)
    L.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.dataset)
    complete_config(cfg, datamodule)
    module = build_module(cfg)
    ckpt_path = prepare_resume(cfg.get("ckpt_path"), cfg.paths.output_dir, module)
    if ckpt_path is None and check_restarts(cfg.get("restarts"))[0] > 1:
        best, restart_scores = select_initialisation(cfg, datamodule, build_module)
        module.load_state_dict(best.state_dict())
        module.start_record["restart_scores"] = restart_scores
    if ckpt_path is None and cfg.get("warm_start"):
        datamodule.setup("fit")
        warm_start = instantiate(cfg.warm_start)
        module.start_record.update(warm_start(module.net, datamodule.split("train")[0], cfg.seed))
    loggers = build_loggers(cfg)
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=build_callbacks(cfg), logger=loggers or False
    )
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))

    try:
        start = time.perf_counter()
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        train_time = time.perf_counter() - start
        metrics = dict(trainer.callback_metrics)  # the last epoch's val/*; test replaces them
        trainer.test(module, datamodule=datamodule, verbose=False)
        metrics.update(trainer.callback_metrics)
        results = collect_results(cfg, trainer, metrics, train_time)
        results.update(module.start_record)  # restored from the checkpoint on resume
        results.update(log_knn_results(module, datamodule, loggers))
        write_results(Path(cfg.paths.output_dir) / "results.json", results)
    finally:
        finish_wandb()
    return results


def log_knn_results(module: GMVAEModule, datamodule: Any, loggers: list) -> dict[str, float]:
    """kNN errors on the latent means (the poster's table), also sent to the loggers."""
    knn = knn_results(module, datamodule)
    if knn:
        for logger in loggers:
            logger.log_metrics(knn, step=module.global_step)
    return knn


def collect_results(
    cfg: DictConfig, trainer: L.Trainer, metrics: dict[str, Any], train_time: float
) -> dict[str, Any]:
    metrics = {key: float(value) for key, value in metrics.items()}
    results: dict[str, Any] = {
        "dataset": cfg.dataset.name,
        "model": cfg.model.name,
        "seed": cfg.seed,
        "epochs": trainer.current_epoch,
        "num_clusters": cfg.model.num_clusters,
        "train_time_s": round(train_time, 3),
    }
    for split in ("test", "all", "val"):
        for name in (*RESULT_KEYS, *ELBO_KEYS, "largest_cluster", "used_clusters"):
            key = f"{split}/{name}"
            if key in metrics:
                results[key] = metrics[key]
    return results


@rank_zero_only
def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
