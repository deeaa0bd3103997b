"""Gumbel-softmax temperature schedules.

A schedule is a pure function of the trainer's epoch and global step, both of which a
checkpoint restores, so a resumed run continues on exactly the same curve.
"""

import math
from abc import ABC, abstractmethod

from gmvae_lightning.errors import UserError


class TemperatureSchedule(ABC):
    """Maps ``(epoch, global_step)`` to the Gumbel-softmax temperature."""

    @abstractmethod
    def __call__(self, epoch: int, step: int) -> float: ...


class ConstantTemperature(TemperatureSchedule):
    def __init__(self, value: float = 1.0) -> None:
        if not value > 0:
            raise UserError(f"temperature.value must be > 0, got {value}.")
        self.value = float(value)

    def __call__(self, epoch: int, step: int) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"ConstantTemperature(value={self.value})"


class ExponentialTemperature(TemperatureSchedule):
    """``max(initial · exp(−rate · t), minimum)``; ``t`` counts epochs (the reference) or steps."""

    def __init__(
        self,
        initial: float = 1.0,
        minimum: float = 0.5,
        rate: float = 0.013862944,
        per: str = "epoch",
    ) -> None:
        if not initial > 0 or not minimum > 0:
            raise UserError(
                f"temperature.initial and temperature.minimum must be > 0, got {initial} and "
                f"{minimum}; the Gumbel-softmax divides by the temperature."
            )
        if minimum > initial:
            raise UserError(
                f"temperature.minimum ({minimum}) is above temperature.initial ({initial}); "
                "the schedule anneals downwards, so set minimum <= initial."
            )
        if rate < 0:
            raise UserError(f"temperature.rate must be >= 0, got {rate}.")
        if per not in ("epoch", "step"):
            raise UserError(f"temperature.per must be 'epoch' or 'step', got {per!r}.")
        self.initial, self.minimum, self.rate, self.per = initial, minimum, rate, per

    def __call__(self, epoch: int, step: int) -> float:
        t = epoch if self.per == "epoch" else step
        return max(self.initial * math.exp(-self.rate * t), self.minimum)

    def __repr__(self) -> str:
        return (
            f"ExponentialTemperature(initial={self.initial}, minimum={self.minimum}, "
            f"rate={self.rate}, per={self.per!r})"
        )
