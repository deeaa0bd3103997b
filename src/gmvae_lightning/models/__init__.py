"""The clustering VAEs: the paper's simple model and the reference code's GMVAE."""

from gmvae_lightning.models.gmvae import GMVAE
from gmvae_lightning.models.simple import SimpleGMVAE
from gmvae_lightning.models.types import ClusteringVAE, LossTerms, VAEOutput

__all__ = ["GMVAE", "ClusteringVAE", "LossTerms", "SimpleGMVAE", "VAEOutput"]
