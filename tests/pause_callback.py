"""Test helper for the kill-and-resume test: parks a training process mid-epoch.

At ``batch`` of ``epoch`` it writes ``marker`` and sleeps, so the test can SIGKILL a process
that is in the middle of an epoch whose weights have changed since the last checkpoint.
"""

import time
from pathlib import Path

import lightning as L


class PauseMidEpoch(L.Callback):
    def __init__(self, marker: str, epoch: int, batch: int) -> None:
        self.marker, self.epoch, self.batch = Path(marker), epoch, batch

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if trainer.current_epoch == self.epoch and batch_idx == self.batch:
            self.marker.write_text(str(trainer.global_step))
            while True:
                time.sleep(1)
