"""Fill in the config values only the data can tell, before the model is built.

For ``dataset=files`` the input width, the class count and (for ``reconstruction: auto``) the
likelihood come from the files; ``model.*`` interpolate them. K then comes from
``model.num_clusters``, else from the labels, and is handed to the data module, whose checks
compare it with the number of samples.
"""

from typing import Any

from omegaconf import DictConfig, open_dict

from gmvae_lightning.errors import UserError


def complete_config(cfg: DictConfig, datamodule: Any) -> None:
    """Write ``datamodule.describe()`` (when it has one) into ``cfg.dataset``; check K."""
    describe = getattr(datamodule, "describe", None)
    if describe is not None:
        with open_dict(cfg):
            for key, value in describe().items():
                cfg.dataset[key] = value
    num_clusters = cfg.model.get("num_clusters")
    if num_clusters is None:
        raise UserError(
            f"{cfg.dataset.name}: the number of clusters is unknown (the data have no labels); "
            "set model.num_clusters=K."
        )
    if num_clusters < 2:
        raise UserError(f"model.num_clusters must be at least 2, got {num_clusters}.")
    datamodule.num_clusters = int(num_clusters)
