"""Samples/s of one training epoch: (a) our Lightning Trainer loop, (b) a bare PyTorch loop.

Both train the same model (``conf/model``) on the same MNIST-sized tensors held in memory with
the same loss; runs are interleaved (a, b, b, a, ...) so machine load hits both alike, and the
median over repetitions is reported. Prints one JSON object.

    PYTHONPATH=src:. python benchmarks/epoch_time.py --repeats 3
"""

import argparse
import contextlib
import copy
import json
import sys
import tempfile
import time

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import Callback

from benchmarks.common import RandomMNIST, build_module, compose_config, machine, median
from gmvae_lightning.train import build_callbacks, build_loggers


class EpochTimer(Callback):
    """Wall time from the first to the last training batch of each epoch."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.seconds.append(time.perf_counter() - self.start)


def trainer_epoch(module, data: RandomMNIST, overrides: list[str], tmp: str) -> float:
    """One epoch through the project's Trainer config (logger, callbacks, progress bar)."""
    cfg = compose_config([*overrides, f"paths.output_dir={tmp}", "trainer.max_epochs=1"])
    timer = EpochTimer()
    callbacks, loggers = build_callbacks(cfg), build_loggers(cfg)
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=[*callbacks, timer], logger=loggers or False
    )
    trainer.fit(module, datamodule=data)
    return timer.seconds[0]


def bare_epoch(module, data: RandomMNIST, batch_size: int, device: torch.device) -> float:
    """The same model, loss and optimiser in a plain loop over index slices of the tensors."""
    net = module.net.to(device)
    optimizer = module.configure_optimizers()
    x_all = data.tensors["train"][0].to(device)
    w_rec, w_cat, w_gauss = module.weights
    reconstruction = module.hparams.reconstruction
    start = time.perf_counter()
    net.train()
    for index in torch.randperm(len(x_all), device=device).split(batch_size):
        x = x_all[index]
        out = net(x, 1.0)
        loss = net.loss_terms(x, out, reconstruction).weighted(w_rec, w_cat, w_gauss)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--model", default="simple")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (then hardware=gpu)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads; >1 thrashes on a shared machine"
    )
    parser.add_argument(
        "overrides", nargs="*", help="extra Hydra overrides for (a), e.g. model.compile=true"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    base = [
        "dataset=mnist",
        f"model={args.model}",
        "logger=csv",
        "dataset.val_size=0",
        *(["hardware=gpu"] if args.device == "cuda" else []),
        *args.overrides,
    ]
    device = torch.device(args.device)
    L.seed_everything(0, verbose=False)
    template = build_module(compose_config([*base, "paths.output_dir=."]))
    times: dict[str, list[float]] = {}
    # the progress bar writes to stdout; keep stdout for the JSON
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
        for repeat in range(args.repeats):
            for batch_size in args.batch_sizes:
                data = RandomMNIST(
                    args.samples,
                    batch_size=batch_size,
                    val_size=0,
                    on_device=device.type == "cuda",
                )
                data.setup()
                order = ("trainer", "bare") if repeat % 2 == 0 else ("bare", "trainer")
                for loop in order:
                    module = copy.deepcopy(template)
                    if loop == "trainer":
                        overrides = [*base, f"dataset.batch_size={batch_size}"]
                        seconds = trainer_epoch(module, data, overrides, f"{tmp}/{repeat}")
                    else:
                        seconds = bare_epoch(module, data, batch_size, device)
                    times.setdefault(f"{loop}/{batch_size}", []).append(seconds)
    result = {
        "benchmark": "epoch_time",
        "device": args.device,
        "samples": args.samples,
        "overrides": args.overrides,
        "machine": machine(),
    }
    for batch_size in args.batch_sizes:
        trainer_s = median(times[f"trainer/{batch_size}"])
        bare_s = median(times[f"bare/{batch_size}"])
        result[f"batch_{batch_size}"] = {
            "trainer_samples_per_s": round(args.samples / trainer_s, 1),
            "bare_samples_per_s": round(args.samples / bare_s, 1),
            "ratio_trainer_over_bare": round(bare_s / trainer_s, 3),
            "trainer_epoch_s": [round(t, 3) for t in times[f"trainer/{batch_size}"]],
            "bare_epoch_s": [round(t, 3) for t in times[f"bare/{batch_size}"]],
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
