"""Logger factories: W&B that never prompts or hangs without network."""

import netrc
import os
from collections.abc import Sequence
from pathlib import Path

from lightning.pytorch.loggers import WandbLogger


def wandb_credentials_found() -> bool:
    """True when an API key is in the environment or in ``~/.netrc`` (``wandb login``)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def wandb_mode() -> str:
    """``WANDB_MODE`` if set; otherwise online with credentials and offline without."""
    return os.environ.get("WANDB_MODE") or ("online" if wandb_credentials_found() else "offline")


def wandb_logger(
    save_dir: str,
    project: str = "gmvae-lightning",
    name: str | None = None,
    group: str | None = None,
    tags: Sequence[str] = (),
    mode: str | None = None,
) -> WandbLogger:
    """A ``WandbLogger`` writing its run under ``save_dir/wandb`` (the run folder)."""
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    return WandbLogger(
        save_dir=save_dir,
        project=project,
        name=name,
        group=group or multirun_group(),
        tags=list(tags),
        mode=mode or wandb_mode(),
    )


def multirun_group() -> str | None:
    """The W&B group of a Hydra multirun job: its sweep folder (``task/multiruns/<time>``), so
    the jobs of one sweep sit together; ``None`` outside a multirun."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hydra_cfg = HydraConfig.get()
    except (ImportError, ValueError):
        return None
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    sweep = Path(hydra_cfg.sweep.dir)
    return "/".join(sweep.parts[-3:])


def finish_wandb() -> None:
    """Close the active W&B run so the next multirun job starts its own (Lightning would
    otherwise reuse it)."""
    import wandb

    if wandb.run is not None:
        wandb.finish()
