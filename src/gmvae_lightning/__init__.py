"""Deep generative clustering with PyTorch Lightning and Hydra."""

from gmvae_lightning.hardware import register_resolvers

__version__ = "0.1.0"

register_resolvers()
