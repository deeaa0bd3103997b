"""Stop (or skip the batch) when a training loss or gradient is NaN or infinite.

The check runs in ``on_before_optimizer_step``, after backward and before the weights change,
so a bad batch never reaches the weights and no checkpoint is written after it: the run
folder keeps the last good ``last.ckpt``. Cost: one device-to-host sync per optimisation step
(one boolean); on CPU that is free, on a GPU it stalls the queue for a few microseconds, about
what the progress bar's per-step loss already costs.
"""

from typing import Any

import lightning as L
import torch
from torch import Tensor

from gmvae_lightning.errors import UserError

ACTIONS = ("stop", "skip")


class NonFiniteError(UserError):
    """Training produced a NaN or infinite loss or gradient."""


class NonFiniteGuard(L.Callback):
    """``action="stop"``: raise ``NonFiniteError`` naming the epoch, step and loss term.
    ``action="skip"``: drop the batch's gradients (the optimiser step does nothing), count it
    in ``train/skipped_batches``, and stop anyway after more than ``max_skips`` skips.

    The module exposes the last training step's terms as ``last_loss_terms`` (name -> scalar).
    With fp16 mixed precision the gradients are not checked: the grad scaler skips infinite
    steps itself.
    """

    def __init__(
        self, action: str = "stop", check_gradients: bool = True, max_skips: int | None = None
    ) -> None:
        if action not in ACTIONS:
            raise UserError(
                f"callbacks.non_finite.action must be one of {ACTIONS}, got {action!r}."
            )
        self.action, self.check_gradients, self.max_skips = action, check_gradients, max_skips
        self.skipped = 0

    def state_dict(self) -> dict[str, Any]:
        return {"skipped": self.skipped}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.skipped = int(state_dict.get("skipped", 0))

    def on_before_optimizer_step(
        self, trainer: L.Trainer, pl_module: L.LightningModule, optimizer: torch.optim.Optimizer
    ) -> None:
        terms: dict[str, Tensor] = getattr(pl_module, "last_loss_terms", None) or {}
        grads = self._gradients(trainer, pl_module)
        # one sum per tensor: a NaN or infinity anywhere makes the total non-finite, and a sum
        # is far cheaper than an elementwise isfinite over every gradient
        sums = [value.detach().float().sum() for value in terms.values()]
        sums += [grad.float().sum() for grad in grads]
        if not sums:
            return
        finite = bool(torch.isfinite(torch.stack([t.to(sums[0].device) for t in sums]).sum()))
        if trainer.strategy.reduce_boolean_decision(finite, all=True):
            return
        problem = self._describe(trainer, pl_module, terms)
        if self.action == "skip" and (self.max_skips is None or self.skipped < self.max_skips):
            self.skipped += 1
            for parameter in pl_module.parameters():
                parameter.grad = None
            return
        raise NonFiniteError(problem + self._advice(trainer))

    def _gradients(self, trainer: L.Trainer, pl_module: L.LightningModule) -> list[Tensor]:
        if not self.check_gradients or getattr(trainer.precision_plugin, "scaler", None):
            return []
        return [p.grad for p in pl_module.parameters() if p.grad is not None]

    @staticmethod
    def _describe(
        trainer: L.Trainer, pl_module: L.LightningModule, terms: dict[str, Tensor]
    ) -> str:
        bad_terms = [
            f"{name} = {float(value):g}"
            for name, value in terms.items()
            if not torch.isfinite(value.detach()).all()
        ]
        where = f"at epoch {trainer.current_epoch}, step {trainer.global_step}"
        if bad_terms:
            return f"non-finite training loss {where}: " + ", ".join(bad_terms) + "."
        bad_grads = [
            name
            for name, p in pl_module.named_parameters()
            if p.grad is not None and not torch.isfinite(p.grad).all()
        ]
        return (
            f"non-finite gradient {where} (the loss terms are finite): "
            + ", ".join(bad_grads[:3])
            + (f" and {len(bad_grads) - 3} more" if len(bad_grads) > 3 else "")
            + "."
        )

    def _advice(self, trainer: L.Trainer) -> str:
        last = getattr(trainer.checkpoint_callback, "last_model_path", "") or ""
        kept = (
            f" The last good checkpoint is kept: {last} (resume with ckpt_path={last})."
            if last
            else " No checkpoint had been written yet."
        )
        skipped = f" {self.skipped} batch(es) were skipped before." if self.skipped else ""
        return (
            f"{kept}{skipped} Lower the learning rate (model.optimizer.lr), check the input "
            "scaling, or skip such batches with callbacks.non_finite.action=skip."
        )

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.action == "skip":
            pl_module.log("train/skipped_batches", float(self.skipped))
