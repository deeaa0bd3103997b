"""Generated images: one row per cluster, style generation, and test reconstructions."""

from pathlib import Path

import lightning as L
from lightning.pytorch.utilities import rank_zero_warn

from gmvae_lightning.callbacks.media import log_images
from gmvae_lightning.figures import image_grid
from gmvae_lightning.generation import cluster_samples, reconstructions


def write_generation_grids(
    net,
    input_shape,
    reconstruction: str,
    x_test,
    folder: Path,
    suffix: str = "",
    seed: int = 0,
    per_cluster: int = 10,
) -> dict[str, Path]:
    """Write the three grids into ``folder`` and return their paths by name."""
    rows = [f"c={k}" for k in range(net.num_clusters)]
    paths = {
        "clusters": image_grid(
            cluster_samples(net, input_shape, reconstruction, per_cluster, seed),
            folder / f"clusters{suffix}.png",
            rows,
            "samples per cluster",
        ),
        "style": image_grid(
            cluster_samples(net, input_shape, reconstruction, per_cluster, seed, shared_noise=True),
            folder / f"style{suffix}.png",
            rows,
            "style: same noise (column) with every cluster (row)",
        ),
    }
    if x_test is not None and len(x_test):
        paths["reconstructions"] = image_grid(
            reconstructions(net, x_test[:per_cluster], input_shape, reconstruction),
            folder / f"reconstructions{suffix}.png",
            ["input", "recon."],
            "test reconstructions",
        )
    return paths


class GenerationGrids(L.Callback):
    """Every ``every_n_epochs`` epochs (0 = never) and at the end of fitting, writes
    ``plots_dir/generation/{clusters,style,reconstructions}[_epoch_NNN].png`` and logs them to W&B.

    Needs image-shaped data (``dataset.input_shape``); otherwise it warns once and does nothing.
    """

    def __init__(
        self, plots_dir: str, every_n_epochs: int = 10, per_cluster: int = 10, seed: int = 0
    ) -> None:
        self.folder = Path(plots_dir) / "generation"
        self.every_n_epochs, self.per_cluster, self.seed = every_n_epochs, per_cluster, seed

    def _write(self, trainer: L.Trainer, pl_module: L.LightningModule, suffix: str) -> None:
        if trainer.global_rank != 0:
            return
        datamodule = trainer.datamodule
        shape = getattr(datamodule, "input_shape", None)
        if not shape or len(shape) < 2:
            rank_zero_warn("GenerationGrids: the dataset has no image shape; no grids written.")
            return
        split = "test" if "test" in datamodule.tensors else "train"
        x_test = datamodule.split(split)[0]
        paths = write_generation_grids(
            pl_module.net,
            shape,
            pl_module.hparams.reconstruction,
            x_test,
            self.folder,
            suffix,
            self.seed,
            self.per_cluster,
        )
        for name, path in paths.items():
            log_images(trainer, f"generation/{name}", [path], f"epoch {trainer.current_epoch}")

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        epoch = trainer.current_epoch + 1
        if self.every_n_epochs > 0 and epoch % self.every_n_epochs == 0:
            self._write(trainer, pl_module, f"_epoch_{epoch:03d}")

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._write(trainer, pl_module, "")
