"""Scoring a trained module beyond the Trainer's test loop: kNN errors and the figures."""

from pathlib import Path
from typing import Any

import lightning as L
import numpy as np

from gmvae_lightning.callbacks.generation import write_generation_grids
from gmvae_lightning.callbacks.latent import pca_2d, tsne_2d
from gmvae_lightning.figures import confusion_figure, latent_figure
from gmvae_lightning.inference import predict
from gmvae_lightning.knn import KNN_KS, knn_errors
from gmvae_lightning.scoring import confusion_matrix, write_cluster_table


def knn_results(
    module: L.LightningModule, datamodule: Any, ks: tuple[int, ...] = KNN_KS
) -> dict[str, float]:
    """``test/knn_error@k``: kNN on the latent means, fit on the training split, scored on test.

    Runs locally on each process (no gathering), so it is safe after ``trainer.test`` under DDP.
    """
    if not getattr(datamodule, "has_labels", False) or "test" not in datamodule.tensors:
        return {}
    (x_train, y_train), (x_test, y_test) = datamodule.split("train"), datamodule.split("test")
    _, z_train = predict(module, x_train, distributed=False)
    _, z_test = predict(module, x_test, distributed=False)
    errors = knn_errors(z_train.numpy(), y_train.numpy(), z_test.numpy(), y_test.numpy(), ks)
    return {f"test/{key}": value for key, value in errors.items()}


def write_figures(
    module: L.LightningModule,
    datamodule: Any,
    folder: Path,
    num_points: int = 2000,
    seed: int = 0,
    tsne: bool = True,
) -> list[Path]:
    """Confusion matrix and per-cluster table (test), latent PCA / t-SNE of a seeded test
    subsample, and the generation grids, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    hp = module.hparams
    split = "test" if "test" in datamodule.tensors else "all"
    x, y = datamodule.split(split)
    probs, z = predict(module, x, distributed=False)
    clusters, labels = probs.argmax(-1).numpy(), y.numpy()
    paths: list[Path] = []
    known = labels >= 0
    if getattr(datamodule, "has_labels", False) and known.any():
        confusion = confusion_matrix(
            clusters[known], labels[known], hp.num_clusters, hp.num_classes
        )
        paths.append(confusion_figure(confusion, folder / f"confusion_{split}.png", split))
        write_cluster_table(confusion, folder / f"clusters_{split}.csv")
    count = min(num_points, len(x))
    index = np.sort(np.random.default_rng(seed).choice(len(x), count, replace=False))
    z_sub = z.numpy()[index].astype(np.float64)
    views = [("pca", pca_2d)] + ([("tsne", lambda v: tsne_2d(v, seed))] if tsne else [])
    for name, embed in views:
        paths.append(
            latent_figure(
                embed(z_sub),
                labels[index],
                clusters[index],
                hp.num_clusters,
                folder / f"latent_{name}_{split}.png",
                f"{name.upper()} of E[z|x] ({split})",
            )
        )
    shape = getattr(datamodule, "input_shape", None)
    if shape and len(shape) >= 2:
        grids = write_generation_grids(module.net, shape, hp.reconstruction, x, folder, seed=seed)
        paths.extend(grids.values())
    return paths


def evaluate_checkpoint(
    ckpt_path: str | Path,
    data_dir: str | None = None,
    figures: bool = True,
    tsne: bool = True,
    num_points: int = 2000,
) -> tuple[dict[str, Any], Path]:
    """Reload a checkpoint with its own config, score ``test`` and ``all`` with the module's own
    test loop (so the numbers match ``results.json``), add kNN errors, and write
    ``evaluation.json`` plus figures (``plots/evaluation/``) into the checkpoint's run folder.

    Returns the metrics and the run folder.
    """
    import json

    from hydra.utils import instantiate
    from omegaconf import open_dict

    from gmvae_lightning.checkpoint import load_module

    ckpt_path = Path(ckpt_path).expanduser().absolute()
    module, cfg = load_module(ckpt_path)
    run_dir = (
        ckpt_path.parent.parent if ckpt_path.parent.name == "checkpoints" else ckpt_path.parent
    )
    if data_dir:
        with open_dict(cfg):
            cfg.dataset.data_dir = data_dir
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = instantiate(cfg.dataset)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.test(module, datamodule=datamodule, verbose=False)
    metrics = {
        key: float(value)
        for key, value in trainer.callback_metrics.items()
        if key.split("/")[0] in ("test", "all")
    }
    results: dict[str, Any] = {
        "dataset": cfg.dataset.name,
        "model": cfg.model.name,
        "seed": cfg.seed,
        "num_clusters": cfg.model.num_clusters,
        "checkpoint": str(ckpt_path),
        **metrics,
        **knn_results(module, datamodule),
    }
    (run_dir / "evaluation.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    if figures:
        write_figures(module, datamodule, run_dir / "plots" / "evaluation", num_points, tsne=tsne)
    return results, run_dir
