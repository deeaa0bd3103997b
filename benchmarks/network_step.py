"""Seconds per training step of the paper's model with each ``networks`` option, side by side.

Builds the model from the real configs (MNIST sizes, batch 64) for ``networks=mlp`` and
``networks=conv``, then times forward + ELBO + backward + Adam steps on random MNIST-shaped
batches, alternating the two in rounds so machine load hits both alike. Prints one JSON object
with the median step time of each and the ratio conv / mlp.

    PYTHONPATH=src:. python benchmarks/network_step.py --steps 50 --rounds 5
"""

import argparse
import json
import time

import torch

from benchmarks.common import build_module, compose_config, machine, median


def time_steps(module, x: torch.Tensor, steps: int) -> float:
    optimizer = module.configure_optimizers()
    start = time.perf_counter()
    for _ in range(steps):
        loss = module._elbo(x, 1.0)[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = (torch.rand(64, 784) < 0.13).float()
    modules = {
        name: build_module(compose_config(["dataset=mnist", f"networks={name}"]))
        for name in ("mlp", "conv")
    }
    seconds: dict[str, list[float]] = {name: [] for name in modules}
    for _ in range(args.rounds):
        for name, module in modules.items():
            seconds[name].append(time_steps(module, x, args.steps))
    result = {name: round(median(values), 5) for name, values in seconds.items()}
    result["conv_over_mlp"] = round(result["conv"] / result["mlp"], 2)
    print(json.dumps({"step_seconds": result, "machine": machine(), **vars(args)}))


if __name__ == "__main__":
    main()
