"""DDP on CPU (2 gloo processes): one run folder, 1-process metrics, per-rank noise, multirun.

These start real ``python train.py`` processes; each takes tens of seconds on a 2-core machine.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import lightning as L
import pytest
import torch
from conftest import REPO, SHARED_DATA, compose_config
from hydra.utils import instantiate
from lightning.pytorch.callbacks import Callback

from gmvae_lightning.checkpoint import load_module

pytestmark = pytest.mark.slow

FAST = [
    "dataset=digits",
    "dataset.batch_size=64",
    "trainer.max_epochs=1",
    "+trainer.enable_progress_bar=false",
    f"paths.data_dir={SHARED_DATA}",
]


def run_train(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), WANDB_MODE="offline", WANDB_SILENT="true")
    env.pop("LOCAL_RANK", None)
    completed = subprocess.run(
        [sys.executable, str(REPO / "train.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> Path:
    """``python train.py dataset=digits trainer.accelerator=cpu trainer.devices=2``, 1 epoch."""
    root = tmp_path_factory.mktemp("ddp")
    run_train(
        *FAST,
        "trainer.accelerator=cpu",
        "trainer.devices=2",
        "logger=[csv,wandb]",
        f"hydra.run.dir={root / 'run'}",
        f"paths.log_dir={root / 'logs'}",
    )
    return root


def test_two_processes_write_one_run_folder(ddp_run):
    assert sorted(p.name for p in ddp_run.iterdir()) == ["run"], "no stray run folders"
    run = ddp_run / "run"
    results = json.loads((run / "results.json").read_text())
    assert 0.0 <= results["test/acc"] <= 1.0 and results["epochs"] == 1
    assert len(list((run / "wandb").glob("offline-run-*"))) == 1
    assert (run / "checkpoints" / "last.ckpt").is_file()


def test_batch_size_is_per_device(ddp_run):
    """1,293 training digits, 2 ranks × 64 per step: ceil(646 / 64) = 11 steps, not 21."""
    checkpoint = torch.load(
        ddp_run / "run" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False
    )
    assert checkpoint["global_step"] == math.ceil((1293 // 2) / 64)


def test_metrics_on_two_processes_equal_one_process(ddp_run):
    run = ddp_run / "run"
    two_processes = json.loads((run / "results.json").read_text())
    module, cfg = load_module(run / "checkpoints" / "last.ckpt")
    L.seed_everything(0)
    trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False)
    trainer.test(module, datamodule=instantiate(cfg.dataset), verbose=False)
    one_process = {k: float(v) for k, v in trainer.callback_metrics.items()}
    for split in ("test", "all"):
        for name in ("acc", "nmi", "ari", "largest_cluster", "used_clusters"):
            key = f"{split}/{name}"
            assert one_process[key] == pytest.approx(two_processes[key], abs=1e-6), key


def test_multirun_with_ddp_makes_one_job_per_combination(tmp_path):
    run_train(
        "-m",
        *FAST,
        "trainer.devices=2",
        "seed=1,2",
        "logger=csv",
        f"hydra.sweep.dir={tmp_path / 'multi'}",
        f"paths.log_dir={tmp_path / 'logs'}",
    )
    assert not (tmp_path / "logs").exists(), "a child re-ran the sweep or made a run folder"
    jobs = sorted(p for p in (tmp_path / "multi").iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1"]
    seeds = [json.loads((job / "results.json").read_text())["seed"] for job in jobs]
    assert seeds == [1, 2]


class NoiseProbe(Callback):
    """After the module's ``on_fit_start``: gather each rank's next noise draw and weights."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def on_train_start(self, trainer, pl_module) -> None:
        noise = torch.rand(6)
        weights = torch.stack([p.detach().double().sum() for p in pl_module.parameters()])
        gathered = trainer.strategy.all_gather(torch.cat([noise.double(), weights]))
        if trainer.global_rank == 0:
            self.path.write_text(json.dumps(gathered.tolist()))
        trainer.should_stop = True


def test_each_rank_draws_its_own_noise(tmp_path):
    cfg = compose_config([*FAST, "logger=none"], tmp_path / "run")
    L.seed_everything(cfg.seed)  # every rank starts from the same RNG state
    module = instantiate(cfg.model, temperature=instantiate(cfg.temperature))
    probe = NoiseProbe(tmp_path / "noise.json")
    trainer = L.Trainer(
        accelerator="cpu",
        devices=2,
        strategy="ddp_spawn",
        max_epochs=1,
        limit_train_batches=1,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        callbacks=[probe],
    )
    trainer.fit(module, datamodule=instantiate(cfg.dataset))
    rank0, rank1 = torch.tensor(json.loads(probe.path.read_text()))
    assert not torch.allclose(rank0[:6], rank1[:6]), "both ranks drew the same noise"
    assert torch.equal(rank0[6:], rank1[6:]), "the weights must be the same on every rank"
