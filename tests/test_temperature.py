"""Temperature schedules: the reference curve, its floor, and bad settings."""

import math

import pytest

from gmvae_lightning.errors import UserError
from gmvae_lightning.temperature import ConstantTemperature, ExponentialTemperature


def test_reference_schedule_per_epoch() -> None:
    schedule = ExponentialTemperature()
    assert schedule(0, 999) == 1.0
    assert schedule(10, 0) == pytest.approx(math.exp(-0.13862944))
    # the reference reaches its 0.5 floor at epoch 50 and stays there
    assert schedule(49, 0) > 0.5
    assert schedule(50, 0) == pytest.approx(0.5, abs=1e-6)
    assert schedule(300, 0) == 0.5


def test_per_step_schedule_follows_the_step() -> None:
    schedule = ExponentialTemperature(initial=2.0, minimum=0.1, rate=0.01, per="step")
    assert schedule(5, 0) == 2.0
    assert schedule(0, 100) == pytest.approx(2.0 * math.exp(-1.0))


def test_constant() -> None:
    assert ConstantTemperature(0.7)(100, 1000) == 0.7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": 0.0}, "must be > 0"),
        ({"minimum": -1.0}, "must be > 0"),
        ({"initial": 0.5, "minimum": 1.0}, "above temperature.initial"),
        ({"rate": -0.1}, "rate must be >= 0"),
        ({"per": "batch"}, "'epoch' or 'step'"),
    ],
)
def test_bad_settings_are_user_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        ExponentialTemperature(**kwargs)
    with pytest.raises(UserError):
        ConstantTemperature(0.0)
