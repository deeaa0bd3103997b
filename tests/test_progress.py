"""The default progress bar redraws every few steps, and stays off when the config says so."""

from conftest import compose_config
from lightning.pytorch.callbacks import TQDMProgressBar

from gmvae_lightning.progress import REFRESH_STEPS
from gmvae_lightning.train import build_callbacks


def test_default_bar_refreshes_every_few_steps(tmp_path):
    cfg = compose_config(["dataset=digits"], tmp_path)
    bars = [c for c in build_callbacks(cfg) if isinstance(c, TQDMProgressBar)]
    assert len(bars) == 1 and bars[0].refresh_rate == REFRESH_STEPS > 1


def test_no_bar_when_disabled(make_config):
    assert not any(isinstance(c, TQDMProgressBar) for c in build_callbacks(make_config()))
