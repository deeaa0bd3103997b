"""Score a trained checkpoint: ``python evaluate.py ckpt_path=RUN/checkpoints/last.ckpt``."""

import json

import hydra
from omegaconf import DictConfig

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.evaluation import evaluate_checkpoint


@hydra.main(version_base="1.3", config_path="conf", config_name="evaluate")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    results, run_dir = evaluate_checkpoint(
        cfg.ckpt_path, cfg.data_dir, cfg.figures, cfg.tsne, cfg.num_points
    )
    print(json.dumps(results, indent=2, sort_keys=True))
    print(f"wrote {run_dir / 'evaluation.json'}")


if __name__ == "__main__":
    main()
