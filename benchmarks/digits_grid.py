"""Grid over the simple model's settings on scikit-learn's digits, with a bare training loop.

Used to choose the digits defaults (docs/foundation.md). Each line of output is one JSON record:
the settings, test ACC and the test categorical KL (0 = collapsed, log K = confident). With
``--seeds N`` each setting runs for seeds 0..N-1 and a last record per setting gives the mean and
standard deviation of test ACC over them.

    python benchmarks/digits_grid.py --seeds 12 '[{"warm_start": true, "categorical_kl": "marginal",
        "latent_dim": 8, "w_gauss": 0.5, "lr": 0.002}]'
"""

import argparse
import functools
import json
import math
import statistics
import time

import torch

from gmvae_lightning.data import DigitsDataModule
from gmvae_lightning.losses import categorical_kl_uniform
from gmvae_lightning.metrics import ClusterAccuracy
from gmvae_lightning.models import SimpleGMVAE
from gmvae_lightning.networks import MLP
from gmvae_lightning.temperature import ConstantTemperature, ExponentialTemperature
from gmvae_lightning.warm_start import KMeansWarmStart


def run(
    w_cat: float = 1.0,
    w_gauss: float = 1.0,
    latent_dim: int = 64,
    batch_size: int = 16,
    lr: float = 1e-3,
    epochs: int = 30,
    hard: bool = False,
    seed: int = 0,
    categorical_kl: str = "per_sample",
    temperature: float | None = None,
    hidden: tuple[int, ...] = (512, 512),
    warm_start: bool = False,
) -> dict:
    data = DigitsDataModule(name="digits", data_dir=".", input_dim=64, num_classes=10)
    data.setup()
    (x_train, _), (x_test, y_test) = data.split("train"), data.split("test")
    torch.manual_seed(seed)
    mlp = functools.partial(MLP, hidden=list(hidden))
    net = SimpleGMVAE(64, 10, latent_dim, mlp, mlp, categorical_kl)
    if warm_start:
        KMeansWarmStart(batch_size=batch_size, lr=lr)(net, x_train, seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = ExponentialTemperature() if temperature is None else ConstantTemperature(temperature)
    for epoch in range(epochs):
        for batch in torch.randperm(len(x_train)).split(batch_size):
            x = x_train[batch]
            out = net(x, schedule(epoch, 0), hard)
            loss = net.loss_terms(x, out, "bernoulli").weighted(1.0, w_cat, w_gauss)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        probs = net.cluster_probs(x_test)
    accuracy = ClusterAccuracy(10, 10)
    accuracy.update(probs.argmax(-1), y_test)
    return {
        "test/acc": round(float(accuracy.compute()), 4),
        "test/kl_categorical": round(float(categorical_kl_uniform(probs.log())), 4),
        "log_k": round(math.log(10), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("grid", help="a JSON list of keyword dicts for run()")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=0, help="run each setting for seeds 0..N-1")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for settings in json.loads(args.grid):
        seeds = [{"seed": seed} for seed in range(args.seeds)] or [{}]
        accuracies = []
        for seed in seeds:
            start = time.perf_counter()
            record = {"settings": {**settings, **seed}, **run(**settings, **seed)}
            record["seconds"] = round(time.perf_counter() - start, 1)
            accuracies.append(record["test/acc"])
            print(json.dumps(record), flush=True)
        if len(accuracies) > 1:
            summary = {"mean": round(statistics.mean(accuracies), 4)}
            summary["std"] = round(statistics.stdev(accuracies), 4)
            print(json.dumps({"settings": settings, "seeds": len(seeds), "test/acc": summary}))


if __name__ == "__main__":
    main()
