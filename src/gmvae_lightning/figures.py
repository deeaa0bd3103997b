"""Matplotlib figures (Agg backend, files only): confusion matrix, latent scatter, t-SNE strip,
image grids. Each function writes one PNG and returns its path."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from gmvae_lightning.scoring import hungarian_order


def _save(fig: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def _colors(count: int) -> np.ndarray:
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return cmap(np.arange(count) % cmap.N)


def confusion_figure(confusion: np.ndarray, path: Path, title: str = "") -> Path:
    """Clusters (rows, Hungarian-ordered so matches lie on the diagonal) × classes."""
    order = hungarian_order(confusion)
    ordered = confusion[order]
    k, c = ordered.shape
    fig, ax = plt.subplots(figsize=(0.5 * c + 2, 0.45 * k + 1.5))
    ax.imshow(ordered, cmap="Blues")
    for i in range(k):
        for j in range(c):
            value = ordered[i, j]
            color = "white" if value > 0.6 * ordered.max() else "black"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(c))
    ax.set_yticks(range(k), [str(cluster) for cluster in order])
    ax.set_xlabel("true class")
    ax.set_ylabel("cluster")
    ax.set_title(title)
    return _save(fig, path)


def _scatter(ax: plt.Axes, points: np.ndarray, colour_by: np.ndarray, count: int) -> None:
    colors = _colors(max(count, 1))
    ax.scatter(points[:, 0], points[:, 1], c=colors[colour_by % len(colors)], s=3, linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])


def latent_figure(
    points: np.ndarray,
    labels: np.ndarray,
    clusters: np.ndarray,
    num_clusters: int,
    path: Path,
    title: str = "",
) -> Path:
    """A 2-D view of the latent space coloured by true label (left) and by cluster (right)."""
    has_labels = bool((labels >= 0).any())
    panels = 2 if has_labels else 1
    fig, axes = plt.subplots(1, panels, figsize=(4 * panels, 4), squeeze=False)
    if has_labels:
        _scatter(axes[0, 0], points, labels, int(labels.max()) + 1)
        axes[0, 0].set_title("true label")
    _scatter(axes[0, -1], points, clusters, num_clusters)
    axes[0, -1].set_title("cluster")
    fig.suptitle(title)
    return _save(fig, path)


def strip_figure(
    views: Sequence[tuple[int, np.ndarray]], labels: np.ndarray, path: Path, title: str = ""
) -> Path:
    """The poster's "Clustering Visualization": one t-SNE panel per epoch, coloured by label."""
    fig, axes = plt.subplots(1, len(views), figsize=(2.6 * len(views), 2.8), squeeze=False)
    count = int(labels.max()) + 1 if (labels >= 0).any() else 1
    for ax, (epoch, points) in zip(axes[0], views, strict=True):
        _scatter(ax, points, np.maximum(labels, 0), count)
        ax.set_title(f"epoch {epoch}")
    fig.suptitle(title, y=1.06)
    return _save(fig, path)


def image_grid(
    images: np.ndarray, path: Path, row_labels: Sequence[str] = (), title: str = ""
) -> Path:
    """``images`` of shape ``(rows, cols, H, W)`` in [0, 1], tiled with a one-pixel gap."""
    rows, cols, height, width = images.shape
    canvas = np.ones((rows * (height + 1) - 1, cols * (width + 1) - 1))
    for r in range(rows):
        for c in range(cols):
            top, left = r * (height + 1), c * (width + 1)
            canvas[top : top + height, left : left + width] = images[r, c]
    scale = 0.45 if height <= 8 else 0.9
    fig, ax = plt.subplots(figsize=(cols * scale + 0.8, rows * scale + 0.6))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([r * (height + 1) + height / 2 for r in range(rows)] if row_labels else [])
    if row_labels:
        ax.set_yticklabels(row_labels, fontsize=7)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)
