"""Latent-space views: PCA every epoch, t-SNE at scheduled epochs, and the t-SNE strip."""

from collections.abc import Sequence
from pathlib import Path

import lightning as L
import numpy as np
import torch
from sklearn.manifold import TSNE

from gmvae_lightning.callbacks.media import log_images
from gmvae_lightning.figures import latent_figure, strip_figure
from gmvae_lightning.inference import predict


def pca_2d(z: np.ndarray) -> np.ndarray:
    """The first two principal components (signs fixed so consecutive epochs look alike)."""
    centred = z - z.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:2] * np.sign(vt[:2, :1] + 1e-12)
    return centred @ components.T


def tsne_2d(
    z: np.ndarray, seed: int = 0, perplexity: float = 30.0, iterations: int = 500
) -> np.ndarray:
    """Barnes-Hut t-SNE; 500 iterations are enough for a few thousand points and halve the
    cost of scikit-learn's default 1000."""
    perplexity = min(perplexity, (len(z) - 1) / 3)
    tsne = TSNE(2, perplexity=perplexity, init="pca", random_state=seed, max_iter=iterations)
    return tsne.fit_transform(z)


class LatentSpace(L.Callback):
    """Plots the means of ``q(z|x)`` of a fixed, seeded subsample of ``split``.

    Every ``pca_every_n_epochs`` epochs a PCA view (coloured by label and by cluster); at the
    1-based epochs in ``tsne_epochs`` (and the last epoch when ``tsne_at_end``) a t-SNE view,
    whose coordinates are kept as ``.npz`` so the final strip survives a resume. Files go to
    ``plots_dir/latent/``; images to W&B under ``latent/pca``, ``latent/tsne``, ``latent/strip``.
    """

    def __init__(
        self,
        plots_dir: str,
        split: str = "train",
        num_points: int = 2000,
        seed: int = 0,
        pca_every_n_epochs: int = 1,
        tsne_epochs: Sequence[int] = (1, 5, 20, 50, 150, 300),
        tsne_at_end: bool = True,
        perplexity: float = 30.0,
        tsne_iterations: int = 500,
        batch_size: int = 2048,
    ) -> None:
        self.folder = Path(plots_dir) / "latent"
        self.split, self.num_points, self.seed = split, num_points, seed
        self.pca_every_n_epochs = pca_every_n_epochs
        self.tsne_epochs = sorted({int(e) for e in tsne_epochs})
        self.tsne_at_end, self.perplexity, self.batch_size = tsne_at_end, perplexity, batch_size
        self.tsne_iterations = tsne_iterations
        self._subsample: tuple[torch.Tensor, np.ndarray] | None = None

    def subsample(self, trainer: L.Trainer) -> tuple[torch.Tensor, np.ndarray]:
        if self._subsample is None:
            x, y = trainer.datamodule.split(self.split)
            count = min(self.num_points, len(x))
            index = np.sort(np.random.default_rng(self.seed).choice(len(x), count, replace=False))
            self._subsample = (x[torch.from_numpy(index)], y[torch.from_numpy(index)].numpy())
        return self._subsample

    def _embed(self, trainer: L.Trainer, pl_module: L.LightningModule):
        x, labels = self.subsample(trainer)
        probs, z = predict(pl_module, x, self.batch_size)
        return z.numpy().astype(np.float64), labels, probs.argmax(-1).numpy()

    def _tsne(self, epoch: int, z, labels, clusters, trainer, pl_module) -> None:
        points = tsne_2d(z, self.seed, self.perplexity, self.tsne_iterations)
        np.savez(self.folder / f"tsne_epoch_{epoch:03d}.npz", points=points, labels=labels)
        path = latent_figure(
            points,
            labels,
            clusters,
            pl_module.hparams.num_clusters,
            self.folder / f"tsne_epoch_{epoch:03d}.png",
            f"t-SNE of E[z|x], epoch {epoch}",
        )
        log_images(trainer, "latent/tsne", [path], f"epoch {epoch}")

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        epoch = trainer.current_epoch + 1
        do_pca = self.pca_every_n_epochs > 0 and epoch % self.pca_every_n_epochs == 0
        do_tsne = epoch in self.tsne_epochs
        if not (do_pca or do_tsne):
            return
        z, labels, clusters = self._embed(trainer, pl_module)
        if trainer.global_rank != 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if do_pca:
            path = latent_figure(
                pca_2d(z),
                labels,
                clusters,
                pl_module.hparams.num_clusters,
                self.folder / f"pca_epoch_{epoch:03d}.png",
                f"PCA of E[z|x], epoch {epoch}",
            )
            log_images(trainer, "latent/pca", [path], f"epoch {epoch}")
        if do_tsne:
            self._tsne(epoch, z, labels, clusters, trainer, pl_module)

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        epoch = trainer.current_epoch  # epochs completed
        needs_final = self.tsne_at_end and epoch > 0 and epoch not in self.tsne_epochs
        if needs_final:
            z, labels, clusters = self._embed(trainer, pl_module)
        if trainer.global_rank != 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if needs_final:
            self._tsne(epoch, z, labels, clusters, trainer, pl_module)
        self.write_strip(trainer)

    def write_strip(self, trainer: L.Trainer) -> Path | None:
        """The strip of every t-SNE view on disk (scheduled epochs, then the last one)."""
        files = sorted(self.folder.glob("tsne_epoch_*.npz"))
        if not files:
            return None
        views, labels = [], None
        for file in files:
            data = np.load(file)
            views.append((int(file.stem.rsplit("_", 1)[1]), data["points"]))
            labels = data["labels"]
        path = strip_figure(views, labels, self.folder / "tsne_strip.png", "Clustering over epochs")
        log_images(trainer, "latent/strip", [path])
        return path
