"""``model.compile=true``: the training step runs through torch.compile and still trains."""

import math

import pytest
from torch._dynamo.utils import counters

from gmvae_lightning.train import train

pytestmark = pytest.mark.slow


def test_compiled_training_step(make_config):
    counters.clear()
    cfg = make_config(
        "model.compile=true",
        "model.net.encoder.hidden=[32]",
        "model.net.decoder.hidden=[32]",
        "model.latent_dim=4",
        "+trainer.limit_train_batches=3",
        "+trainer.limit_val_batches=1",
    )
    results = train(cfg)
    assert counters["stats"]["unique_graphs"] >= 1, "nothing was compiled"
    assert math.isfinite(results["test/loss"]) and 0.0 <= results["test/acc"] <= 1.0
