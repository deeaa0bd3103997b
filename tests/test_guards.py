"""A NaN injected into a real training run: stop with a clear message, or skip and count."""

import math

import pytest
import torch

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.guards import NonFiniteError
from gmvae_lightning.models import LossTerms, SimpleGMVAE
from gmvae_lightning.train import train

STEPS_PER_EPOCH = 21  # digits: 1,293 training images at batch size 64


def inject_nan_reconstruction(monkeypatch, bad_calls: set[int]) -> None:
    """Make the reconstruction term NaN on the given training calls of ``loss_terms``."""
    original = SimpleGMVAE.loss_terms
    calls = {"train": 0}

    def loss_terms(self, x, out, reconstruction):
        terms = original(self, x, out, reconstruction)
        if not self.training:
            return terms
        index = calls["train"]
        calls["train"] += 1
        if index in bad_calls:
            nan = terms.reconstruction * float("nan")
            return LossTerms(nan, terms.categorical, terms.gaussian)
        return terms

    monkeypatch.setattr(SimpleGMVAE, "loss_terms", loss_terms)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(
    make_config, tmp_path, monkeypatch, capsys
):
    bad_step = STEPS_PER_EPOCH + 4  # epoch 1, global step 25
    inject_nan_reconstruction(monkeypatch, {bad_step})
    run_dir = tmp_path / "run"
    cfg = make_config("trainer.max_epochs=3", output_dir=run_dir)
    with pytest.raises(SystemExit) as exit_info:
        exit_on_user_error(train)(cfg)
    assert exit_info.value.code != 0
    message = capsys.readouterr().err
    assert "non-finite training loss at epoch 1, step 25" in message
    assert "reconstruction = nan" in message
    assert "kl_gaussian" not in message  # only the bad term is named
    assert "last.ckpt" in message and "Traceback" not in message

    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["epoch"] == 0 and checkpoint["global_step"] == STEPS_PER_EPOCH
    assert all(torch.isfinite(v).all() for v in checkpoint["state_dict"].values())
    assert not (run_dir / "results.json").exists()


def test_a_nan_gradient_is_caught_even_when_the_loss_is_finite(make_config, monkeypatch):
    original = SimpleGMVAE.loss_terms

    def loss_terms(self, x, out, reconstruction):
        terms = original(self, x, out, reconstruction)
        if self.training and not hasattr(self, "_poisoned"):
            self._poisoned = True
            out.mean.register_hook(lambda grad: grad * float("inf"))
        return terms

    monkeypatch.setattr(SimpleGMVAE, "loss_terms", loss_terms)
    with pytest.raises(NonFiniteError, match=r"non-finite gradient at epoch 0, step 0.*weight"):
        train(make_config("trainer.max_epochs=1"))


def test_skip_mode_skips_bad_batches_counts_them_and_finishes(make_config, tmp_path, monkeypatch):
    inject_nan_reconstruction(monkeypatch, {3, 10, STEPS_PER_EPOCH + 2})
    run_dir = tmp_path / "run"
    results = train(
        make_config("trainer.max_epochs=2", "callbacks.non_finite.action=skip", output_dir=run_dir)
    )
    assert 0 <= results["test/acc"] <= 1 and math.isfinite(results["test/loss"])
    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)
    assert all(torch.isfinite(v).all() for v in checkpoint["state_dict"].values())
    lines = (run_dir / "metrics.csv").read_text().splitlines()
    column = lines[0].split(",").index("train/skipped_batches")
    counts = [float(row.split(",")[column]) for row in lines[1:] if row.split(",")[column]]
    assert counts == [2.0, 3.0]


def test_skip_mode_stops_after_max_skips(make_config, monkeypatch):
    inject_nan_reconstruction(monkeypatch, {1, 2})
    overrides = ("callbacks.non_finite.action=skip", "callbacks.non_finite.max_skips=1")
    with pytest.raises(NonFiniteError, match=r"step 2.*1 batch"):
        train(make_config("trainer.max_epochs=1", *overrides))
