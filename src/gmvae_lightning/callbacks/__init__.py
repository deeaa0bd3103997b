"""Side work during training: clustering metrics, latent-space views, generated images."""

from gmvae_lightning.callbacks.clustering import ClusteringMetrics
from gmvae_lightning.callbacks.generation import GenerationGrids
from gmvae_lightning.callbacks.latent import LatentSpace

__all__ = ["ClusteringMetrics", "GenerationGrids", "LatentSpace"]
