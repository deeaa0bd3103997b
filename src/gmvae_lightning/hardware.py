"""Hardware choices the config cannot make by itself: AMP precision, DDP under multirun, noise.

- ``${gmvae.amp_precision:ACCELERATOR}`` resolves to ``bf16-mixed`` where bf16 is supported
  (CPUs, Ampere and later GPUs) and ``16-mixed`` otherwise (``conf/hardware/amp.yaml``).
- Lightning's default DDP launcher re-runs ``sys.argv`` in each child process; under a Hydra
  multirun that re-runs the whole sweep in every child. ``run_job_in_own_process`` runs such a
  job as a single ``train.py`` run (its own overrides, its own folder), whose DDP children then
  re-run only that job.
- ``seed_everything`` gives every process the same seed, so each rank would draw the same
  Gumbel and Gaussian noise; ``reseed_noise_per_rank`` gives every rank its own stream.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_info
from omegaconf import DictConfig, OmegaConf

AMP_RESOLVER = "gmvae.amp_precision"
GPU_ACCELERATORS = ("gpu", "cuda")


def amp_precision(accelerator: str = "auto") -> str:
    """The mixed precision to use on ``accelerator``: bf16 where supported, else fp16."""
    accelerator = str(accelerator).lower()
    uses_cuda = accelerator in GPU_ACCELERATORS or (
        accelerator == "auto" and torch.cuda.is_available()
    )
    if uses_cuda:
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    if accelerator == "mps":
        return "16-mixed"
    return "bf16-mixed"


def register_resolvers() -> None:
    if not OmegaConf.has_resolver(AMP_RESOLVER):
        OmegaConf.register_new_resolver(AMP_RESOLVER, amp_precision)


def device_count(accelerator: Any, devices: Any) -> int:
    """How many processes ``Trainer(accelerator, devices)`` would start on this machine."""
    accelerator = str(accelerator).lower()
    gpus = accelerator in GPU_ACCELERATORS or (accelerator == "auto" and torch.cuda.is_available())
    available = torch.cuda.device_count() if gpus else (os.cpu_count() or 1)
    if isinstance(devices, str):
        text = devices.strip()
        if text == "auto":
            return available if gpus else 1
        if "," in text:
            return len([part for part in text.split(",") if part.strip()])
        devices = int(text)
    if isinstance(devices, int):
        return available if devices == -1 else devices
    return len(list(devices))


def in_multirun() -> bool:
    """True inside a job of ``python train.py -m ...``."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def launched_externally() -> bool:
    """Processes started by torchrun, SLURM or a previous launcher (not by Lightning here)."""
    from lightning.fabric.plugins.environments import SLURMEnvironment, TorchElasticEnvironment

    return (
        "LOCAL_RANK" in os.environ or TorchElasticEnvironment.detect() or SLURMEnvironment.detect()
    )


def needs_own_process(cfg: DictConfig) -> bool:
    """A multi-device job of a Hydra multirun, which Lightning's launcher cannot start itself."""
    trainer = cfg.trainer
    strategy = trainer.get("strategy", "auto")
    if not isinstance(strategy, str) or strategy not in ("auto", "ddp"):
        return False
    if not in_multirun() or launched_externally():
        return False
    return device_count(trainer.get("accelerator", "auto"), trainer.get("devices", "auto")) > 1


CONFIG_FLAGS = ("--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd")


def job_command(output_dir: str) -> list[str]:
    """``python train.py <this job's overrides> hydra.run.dir=<its folder>``: a single run."""
    from hydra.core.hydra_config import HydraConfig

    import __main__

    spec = getattr(__main__, "__spec__", None)
    if spec is None:
        command = [sys.executable, os.path.abspath(sys.argv[0])]
    else:
        command = [sys.executable, "-m", spec.name]
    args = sys.argv[1:]
    for index, arg in enumerate(args):
        if arg in CONFIG_FLAGS and index + 1 < len(args):
            command += [arg, args[index + 1]]
        elif arg.split("=", 1)[0] in CONFIG_FLAGS and "=" in arg:
            command.append(arg)
    command += list(HydraConfig.get().overrides.task)
    # the multirun job already wrote its .hydra/ folder; the single run writes none
    return [*command, f'hydra.run.dir="{output_dir}"', "hydra.output_subdir=null"]


def run_job_in_own_process(cfg: DictConfig) -> dict[str, Any]:
    """Run this multirun job as a single run in a child process; return its ``results.json``.

    The child is an ordinary ``python train.py ...`` run, so Lightning's DDP launcher starts
    its worker processes from it (re-running only this job) and the job's folder, W&B run and
    ``results.json`` are the same as for a single run.
    """
    output_dir = str(cfg.paths.output_dir)
    rank_zero_info(
        "Hydra multirun with several devices: running this job as its own process so that "
        "Lightning's DDP launcher re-runs only this job, not the whole sweep."
    )
    completed = subprocess.run(job_command(output_dir), check=False)
    results = Path(output_dir) / "results.json"
    if completed.returncode != 0 or not results.is_file():
        raise RuntimeError(
            f"the DDP job in {output_dir} failed (exit status {completed.returncode}); "
            "see its log there."
        )
    return json.loads(results.read_text())


def noise_seed(seed: int, rank: int) -> int:
    """A seed for ``rank``'s noise stream, independent across ranks and of ``seed + 1`` runs."""
    return int(np.random.SeedSequence([seed, rank]).generate_state(1, dtype=np.uint64)[0] >> 1)


def reseed_noise_per_rank(global_rank: int, world_size: int) -> None:
    """Reseed torch's RNG (the Gumbel and Gaussian noise) per process; no-op on one process.

    Call it after the model has been wrapped (weights are broadcast from rank 0), so only the
    noise differs between ranks; the data order keeps using the shared ``PL_GLOBAL_SEED``.
    """
    if world_size < 2:
        return
    seed = int(os.environ.get("PL_GLOBAL_SEED", torch.initial_seed()))
    torch.manual_seed(noise_seed(seed, global_rank))
