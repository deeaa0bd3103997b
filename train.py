"""Train and test a clustering VAE: ``python train.py [overrides]`` (see README)."""

import hydra
from omegaconf import DictConfig

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.preflight import preflight
from gmvae_lightning.train import train


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
@exit_on_user_error
def main(cfg: DictConfig) -> float | None:
    """Returns the optimised metric so Hydra sweepers can use it."""
    results = train(cfg)
    return results.get(cfg.get("optimized_metric") or "", None)


if __name__ == "__main__":
    preflight()
    main()
