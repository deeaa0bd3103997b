"""Does ``torch.compile`` speed up a training step? Eager vs compiled, interleaved.

The bare loop of ``epoch_time.py`` (same model, loss and Adam) on MNIST-sized random batches;
compile time is reported apart from the steady-state step time. Prints one JSON object.

    PYTHONPATH=src:. python benchmarks/torch_compile.py --device cpu --batch-sizes 64 256
"""

import argparse
import copy
import json
import time

import torch

from benchmarks.common import build_module, compose_config, machine, median


def make_step(module, compiled: bool):
    net, weights = module.net, module.weights
    reconstruction = module.hparams.reconstruction

    def loss_fn(x: torch.Tensor) -> torch.Tensor:
        out = net(x, 1.0)
        return net.loss_terms(x, out, reconstruction).weighted(*weights)

    loss_fn = torch.compile(loss_fn) if compiled else loss_fn
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(x: torch.Tensor, autocast: bool) -> None:
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = loss_fn(x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(step, x: torch.Tensor, steps: int, autocast: bool) -> float:
    sync(x.device)
    start = time.perf_counter()
    for _ in range(steps):
        step(x, autocast)
    sync(x.device)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bf16", action="store_true", help="also measure bf16 autocast")
    parser.add_argument("--eager-only", action="store_true", help="skip torch.compile")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model.num_clusters=50")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    cfg = compose_config(["dataset=mnist", "paths.output_dir=.", *args.overrides])
    template = build_module(cfg)
    variants = [("eager", False, False), ("compile", True, False)]
    if args.bf16:
        variants += [("eager_bf16", False, True), ("compile_bf16", True, True)]
    if args.eager_only:
        variants = [v for v in variants if not v[1]]
    result = {
        "benchmark": "torch_compile",
        "device": str(device),
        "overrides": args.overrides,
        "num_clusters": cfg.model.num_clusters,
        "machine": machine(),
    }
    for batch_size in args.batch_sizes:
        x = (torch.rand(batch_size, template.net.input_dim, device=device) < 0.13).float()
        steps, warmup = {}, {}
        for name, compiled, autocast in variants:
            module = copy.deepcopy(template).to(device)
            steps[name] = make_step(module, compiled)
            start = time.perf_counter()
            for _ in range(3):
                steps[name](x, autocast)
            sync(device)
            warmup[name] = time.perf_counter() - start
        seconds: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        for repeat in range(args.repeats):
            order = variants if repeat % 2 == 0 else variants[::-1]
            for name, _, autocast in order:
                seconds[name].append(measure(steps[name], x, args.steps, autocast))
        eager = median(seconds["eager"])
        result[f"batch_{batch_size}"] = {
            name: {
                "samples_per_s": round(batch_size / median(seconds[name]), 1),
                "speedup_vs_eager": round(eager / median(seconds[name]), 3),
                "warmup_s": round(warmup[name], 2),
            }
            for name, _, _ in variants
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
