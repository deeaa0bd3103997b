"""The clustering VAEs: the paper's simple model, the reference code's GMVAE, and the paper's
model with a learned mean per cluster in the Gaussian prior (ours)."""

from gmvae_lightning.models.gmvae import GMVAE
from gmvae_lightning.models.mixture import MixturePriorVAE
from gmvae_lightning.models.simple import SimpleGMVAE
from gmvae_lightning.models.types import ClusteringVAE, LossTerms, VAEOutput

__all__ = ["GMVAE", "ClusteringVAE", "LossTerms", "MixturePriorVAE", "SimpleGMVAE", "VAEOutput"]
