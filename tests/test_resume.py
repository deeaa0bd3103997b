"""Exact resume after a real SIGKILL, determinism, atomic checkpoints, ``ckpt_path=last``."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO, SHARED_DATA

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.errors import UserError
from gmvae_lightning.resume import AtomicCheckpointIO, resolve_ckpt_path
from gmvae_lightning.train import train

# the wall-clock time is the one key that may differ between identical runs
TIMING_KEYS = {"train_time_s"}


def comparable(results: dict) -> dict:
    return {k: v for k, v in results.items() if k not in TIMING_KEYS}


@pytest.mark.slow
def test_two_runs_with_the_same_seed_give_identical_metrics(make_config, tmp_path):
    first = train(make_config("seed=3", output_dir=tmp_path / "a"))
    second = train(make_config("seed=3", output_dir=tmp_path / "b"))
    assert comparable(first) == comparable(second)
    assert 0 <= first["test/acc"] <= 1


def test_another_seed_gives_other_metrics(make_config, tmp_path):
    one = train(make_config("seed=3", "trainer.max_epochs=1", output_dir=tmp_path / "a"))
    other = train(make_config("seed=4", "trainer.max_epochs=1", output_dir=tmp_path / "b"))
    assert one["test/loss"] != other["test/loss"]


@pytest.mark.slow
def test_a_run_killed_mid_epoch_and_resumed_matches_an_uninterrupted_run(make_config, tmp_path):
    epochs = "trainer.max_epochs=4"
    reference = train(make_config(epochs, output_dir=tmp_path / "reference"))

    run_dir, marker = tmp_path / "killed", tmp_path / "paused"
    command = [
        sys.executable,
        str(REPO / "train.py"),
        "dataset=digits",
        "dataset.batch_size=64",  # as make_config
        epochs,
        "+trainer.enable_progress_bar=false",
        "logger=csv",
        f"paths.data_dir={SHARED_DATA}",
        f"hydra.run.dir={run_dir}",
        "+callbacks.pause._target_=pause_callback.PauseMidEpoch",
        f"+callbacks.pause.marker={marker}",
        "+callbacks.pause.epoch=2",
        "+callbacks.pause.batch=5",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "tests")]),
        # the same intra-op thread count as this process, so float sums match bit for bit
        "OMP_NUM_THREADS": str(torch.get_num_threads()),
        "WANDB_MODE": "offline",
    }
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the training process never reached epoch 2"
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()

    assert not (run_dir / "results.json").exists()
    last = run_dir / "checkpoints" / "last.ckpt"
    checkpoint = torch.load(last, map_location="cpu", weights_only=False)
    assert checkpoint["epoch"] == 1  # epochs 0 and 1 done; epoch 2 was cut mid-way
    assert int(marker.read_text()) > checkpoint["global_step"]

    resumed = train(make_config(epochs, "ckpt_path=last", output_dir=run_dir))
    assert comparable(resumed) == comparable(reference)
    assert resumed["epochs"] == 4


def test_atomic_checkpoint_io_keeps_the_old_file_when_a_write_dies(tmp_path, monkeypatch):
    path = tmp_path / "last.ckpt"
    io = AtomicCheckpointIO()
    io.save_checkpoint({"epoch": 1}, path)

    def dies_half_way(obj, stream, *args, **kwargs):
        stream.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        io.save_checkpoint({"epoch": 2}, path)
    monkeypatch.undo()
    assert torch.load(path, weights_only=False) == {"epoch": 1}
    io.save_checkpoint({"epoch": 3}, path)
    assert torch.load(path, weights_only=False) == {"epoch": 3}


def test_ckpt_path_last_means_the_run_folders_last_checkpoint(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "last.ckpt").write_bytes(b"")
    assert resolve_ckpt_path("last", tmp_path) == tmp_path / "checkpoints" / "last.ckpt"
    assert resolve_ckpt_path(None, tmp_path) is None
    assert resolve_ckpt_path("a/b.ckpt", tmp_path) == Path("a/b.ckpt")


def test_ckpt_path_last_without_a_checkpoint_says_to_set_the_run_folder(make_config, capsys):
    with pytest.raises(SystemExit) as exit_info:
        exit_on_user_error(train)(make_config("ckpt_path=last"))
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "ckpt_path=last" in message and "hydra.run.dir" in message
    assert "Traceback" not in message


def test_resume_restores_the_random_state(make_config, tmp_path):
    """Resuming from the final checkpoint re-runs no epoch, so ``test/loss`` (sampled noise)
    only matches when the random state after training is restored."""
    run_dir = tmp_path / "run"
    first = train(make_config("trainer.max_epochs=1", output_dir=run_dir))
    torch.manual_seed(999)  # what a fresh process would have instead of the saved state
    again = train(make_config("trainer.max_epochs=1", "ckpt_path=last", output_dir=run_dir))
    assert again["test/loss"] == first["test/loss"]
    with pytest.raises(UserError, match="another size"):
        train(make_config("model.latent_dim=5", "ckpt_path=last", output_dir=run_dir))
