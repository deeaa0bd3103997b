"""The cost of evaluation and of each configured callback, as a fraction of a training epoch.

One ``Trainer.fit`` of ``--epochs`` epochs on MNIST-sized random data (``dataset.val_size``
samples held out for validation) with the project's callbacks (``conf/callbacks``) and CSV
logger; every callback is wrapped in a timer. Prints one JSON object.

    PYTHONPATH=src:. python benchmarks/callback_cost.py --samples 60000
"""

import argparse
import contextlib
import json
import sys
import tempfile
import time

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import Callback

from benchmarks.common import RandomMNIST, build_module, compose_config, machine

HOOKS = [name for name in dir(Callback) if name.startswith("on_") or name in ("setup", "teardown")]


class Timed(Callback):
    """Forwards every hook to ``inner`` and adds up the time spent in it."""

    def __init__(self, inner: Callback) -> None:
        self.inner, self.seconds = inner, 0.0

    @property
    def state_key(self) -> str:
        return self.inner.state_key

    def state_dict(self) -> dict:
        return self.inner.state_dict()


def _forward(name: str):
    def hook(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return getattr(self.inner, name)(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start

    return hook


for _name in HOOKS:
    setattr(Timed, _name, _forward(_name))


class Phases(Callback):
    """Wall time of the training batches and of the validation loop, per epoch."""

    def __init__(self) -> None:
        self.train, self.val = 0.0, 0.0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.start = time.perf_counter()

    def on_validation_epoch_start(self, trainer, pl_module) -> None:
        self.train += time.perf_counter() - self.start
        self.val_start = time.perf_counter()

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        self.val += time.perf_counter() - self.val_start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--val-size", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
        cfg = compose_config(
            ["dataset=mnist", "logger=csv", f"paths.output_dir={tmp}", *args.overrides]
        )
        L.seed_everything(0, verbose=False)
        module = build_module(cfg)
        data = RandomMNIST(
            args.samples + args.val_size, batch_size=args.batch_size, val_size=args.val_size
        )
        timed = [Timed(instantiate(c)) for c in (cfg.get("callbacks") or {}).values() if c]
        phases = Phases()
        loggers = [instantiate(c) for c in (cfg.get("logger") or {}).values() if c is not None]
        trainer = instantiate(
            cfg.trainer,
            max_epochs=args.epochs,
            # the wrapped ModelCheckpoint is not recognised as one; don't add a default one
            enable_checkpointing=False,
            callbacks=[phases, *timed],
            logger=loggers or False,
        )
        start = time.perf_counter()
        trainer.fit(module, datamodule=data)
        total = time.perf_counter() - start
    train = phases.train
    result = {
        "benchmark": "callback_cost",
        "samples": args.samples,
        "val_samples": args.val_size,
        "epochs": args.epochs,
        "machine": machine(),
        "fit_s": round(total, 3),
        "train_batches_s": round(train, 3),
        "validation_s": round(phases.val, 3),
        "validation_fraction_of_train": round(phases.val / train, 4),
        "callbacks": {
            type(t.inner).__name__: {
                "seconds": round(t.seconds, 3),
                "fraction_of_train": round(t.seconds / train, 4),
            }
            for t in timed
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
