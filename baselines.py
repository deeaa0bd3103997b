"""k-means / GMM baselines on raw inputs, e.g.
``python baselines.py -m dataset=digits baseline=kmeans,gmm seed=1,2,3``; each job writes a run
folder (``results.json``) that the report reads."""

import hydra
from omegaconf import DictConfig

from gmvae_lightning.baselines import run_baseline
from gmvae_lightning.cli import exit_on_user_error


@hydra.main(version_base="1.3", config_path="conf", config_name="baselines")
@exit_on_user_error
def main(cfg: DictConfig) -> float:
    return run_baseline(cfg)["test/acc"]


if __name__ == "__main__":
    main()
