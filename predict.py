"""Cluster new data with a trained model: ``python predict.py ckpt_path=… input=… output=…``."""

import hydra
from omegaconf import DictConfig

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.prediction import predict
from gmvae_lightning.preflight import preflight


@hydra.main(version_base="1.3", config_path="conf", config_name="predict")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    predictions = predict(cfg)
    print(f"wrote {len(predictions['cluster'])} rows to {cfg.output}")


if __name__ == "__main__":
    preflight(check_run_folder=False)
    main()
