"""bf16-mixed on CPU: trains without non-finite values and lands near the fp32 run."""

import csv
import math

import pytest
import torch

from gmvae_lightning.train import train

pytestmark = pytest.mark.slow

EPOCHS = 4


def finite_training(run_dir) -> bool:
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    losses = [float(r["train/loss_epoch"]) for r in rows if r.get("train/loss_epoch")]
    checkpoint = torch.load(
        run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False
    )
    weights_finite = all(torch.isfinite(t).all() for t in checkpoint["state_dict"].values())
    return len(losses) == EPOCHS and all(math.isfinite(x) for x in losses) and weights_finite


def test_bf16_mixed_matches_fp32_on_digits(make_config, tmp_path):
    runs = {}
    for name, hardware in (("fp32", "cpu"), ("bf16", "amp")):
        cfg = make_config(
            f"hardware={hardware}", f"trainer.max_epochs={EPOCHS}", output_dir=tmp_path / name
        )
        runs[name] = train(cfg)
        assert finite_training(tmp_path / name), name
    assert make_config("hardware=amp").trainer.precision == "bf16-mixed"
    fp32, bf16 = runs["fp32"], runs["bf16"]
    for key in ("test/loss", "all/loss"):
        assert math.isfinite(bf16[key])
        assert bf16[key] == pytest.approx(fp32[key], rel=0.05), key
    for key in ("test/acc", "test/nmi", "all/acc", "all/nmi"):
        assert abs(bf16[key] - fp32[key]) < 0.1, (key, bf16[key], fp32[key])
