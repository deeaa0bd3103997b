"""How much do the default callbacks add to training time?

Runs ``train.py`` three ways on the same data and seed, side by side (as concurrent processes,
so that a noisy shared machine loads them alike), and prints the fit times (``train_time_s``)
and their ratios:

- ``minimal``: only the checkpoint callback;
- ``per_epoch``: the default callbacks without t-SNE (metrics on the full train and test splits,
  PCA view, generation grids);
- ``default``: the default callbacks (adds t-SNE at the scheduled epochs and at the end).

Usage: ``GMVAE_DATA_DIR=... python benchmarks/callback_overhead.py [--epochs 1] [--dataset mnist]``
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = {
    "minimal": ["callbacks=minimal"],
    "per_epoch": [
        "callbacks.latent_space.tsne_epochs=[]",
        "callbacks.latent_space.tsne_at_end=false",
    ],
    "default": [],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--dataset", default="mnist")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="callback_overhead_"))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "WANDB_MODE": "offline"}
    processes = {}
    for name, overrides in VARIANTS.items():
        command = [
            sys.executable,
            "train.py",
            f"dataset={args.dataset}",
            f"trainer.max_epochs={args.epochs}",
            "logger=csv",
            "+trainer.enable_progress_bar=false",
            f"hydra.run.dir={out / name}",
            *overrides,
        ]
        log = (out / f"{name}.log").open("w")
        processes[name] = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    for name, process in processes.items():
        if process.wait() != 0:
            sys.exit(f"{name} failed; see {out / name}.log")
    times = {
        name: json.loads((out / name / "results.json").read_text())["train_time_s"]
        for name in VARIANTS
    }
    report = {
        "dataset": args.dataset,
        "epochs": args.epochs,
        "fit_time_s": times,
        "ratio_per_epoch_callbacks": times["per_epoch"] / times["minimal"],
        "ratio_default_callbacks": times["default"] / times["minimal"],
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
