"""Short real runs: the Trainer on digits, the run folder, W&B offline files and resume."""

import json
import math
from pathlib import Path

import lightning as L
import pytest
import torch

from gmvae_lightning import restarts
from gmvae_lightning.checkpoint import load_module
from gmvae_lightning.train import train

CONTRACT_KEYS = {
    "dataset", "model", "seed", "epochs", "num_clusters", "train_time_s",
    "test/acc", "test/nmi", "test/ari", "all/acc", "all/nmi", "all/ari",
}  # fmt: skip


def read_results(run: Path) -> dict:
    return json.loads((run / "results.json").read_text())


@pytest.mark.parametrize("model", ["simple", "gmvae", "mixture"])
def test_short_run_writes_the_run_folder(model: str, make_config, tmp_path: Path) -> None:
    run = tmp_path / "run"
    results = train(make_config(f"model={model}", "logger=[wandb,csv]"))
    assert read_results(run) == results
    assert results.keys() >= CONTRACT_KEYS
    assert results["model"] == model and results["dataset"] == "digits" and results["epochs"] == 2
    for split in ("test", "all"):
        for metric in ("acc", "nmi", "ari"):
            assert -1.0 <= results[f"{split}/{metric}"] <= 1.0
        assert 0.0 < results[f"{split}/acc"] <= 1.0
    assert (run / "checkpoints" / "last.ckpt").is_file()
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    for column in ("train/loss_epoch", "train/kl_categorical", "train/temperature", "val/acc",
                   "val/nmi", "val/ari", "val/largest_cluster", "val/used_clusters"):  # fmt: skip
        assert column in header
    offline_runs = list((run / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(offline_runs) == 1 and offline_runs[0].stat().st_size > 0


def test_restarts_start_the_run_from_the_candidate_with_the_lowest_validation_loss(
    make_config, tmp_path: Path
) -> None:
    cfg = make_config(
        "restarts.count=3", "restarts.epochs=1", "trainer.max_epochs=1", "warm_start=none"
    )
    candidates = []
    original = restarts.candidate_score

    def spy(trainer, module, datamodule) -> float:
        score = original(trainer, module, datamodule)
        candidates.append((score, {k: v.clone() for k, v in module.state_dict().items()}))
        return score

    chosen = {}
    original_fit = L.Trainer.fit

    def record_start(trainer, module, *args, **kwargs):
        if trainer.max_epochs == cfg.trainer.max_epochs and trainer.checkpoint_callback:
            chosen.update({k: v.clone() for k, v in module.state_dict().items()})
        return original_fit(trainer, module, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(restarts, "candidate_score", spy)
        patch.setattr(L.Trainer, "fit", record_start)
        results = train(cfg)
    scores = [score for score, _ in candidates]
    assert results["restart_scores"] == pytest.approx(scores) and len(set(scores)) == 3
    best_weights = candidates[scores.index(min(scores))][1]
    for name, value in best_weights.items():
        torch.testing.assert_close(chosen[name], value)
    assert results["epochs"] == 1 and (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()


def test_checkpoint_rebuilds_the_trained_model(make_config, tmp_path: Path) -> None:
    results = train(make_config("trainer.max_epochs=1", "logger=none"))
    assert "val/acc" in results and not (tmp_path / "run" / "metrics.csv").exists()
    module, cfg = load_module(tmp_path / "run" / "checkpoints" / "last.ckpt")
    assert cfg.dataset.name == "digits"
    probs = module(torch.rand(5, 64))
    assert probs.shape == (5, 10)
    torch.testing.assert_close(probs.sum(-1), torch.ones(5))


@pytest.mark.slow
def test_resume_from_last_checkpoint_continues_the_run(make_config, tmp_path: Path) -> None:
    train(make_config("trainer.max_epochs=2", "temperature.rate=0.2"))
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    steps_per_epoch = math.ceil(1293 / 64)  # the training digits at make_config's batch size
    assert torch.load(last, weights_only=False)["global_step"] == 2 * steps_per_epoch
    resumed = train(
        make_config(
            "trainer.max_epochs=4", "temperature.rate=0.2", f"ckpt_path={last}",
            output_dir=tmp_path / "resumed",
        )
    )  # fmt: skip
    assert resumed["epochs"] == 4
    checkpoint = torch.load(tmp_path / "resumed" / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 4 * steps_per_epoch
