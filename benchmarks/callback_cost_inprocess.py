"""In-process estimate of the default callbacks' cost relative to one training epoch.

Times, alternately in one process (so machine load hits both alike): ``--steps`` training steps
(extrapolated to a full epoch), the per-epoch callback work (whole-train and test predictions
and scores, the PCA view and its PNG) and one t-SNE of 2,000 points. Usage:
``GMVAE_DATA_DIR=... python benchmarks/callback_cost_inprocess.py [--steps 100]``
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from gmvae_lightning.callbacks.latent import pca_2d, tsne_2d
from gmvae_lightning.figures import latent_figure
from gmvae_lightning.inference import _predict_local
from gmvae_lightning.scoring import clustering_scores
from gmvae_lightning.train import build_module

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--dataset", default="mnist")
    args = parser.parse_args()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose("train", [f"dataset={args.dataset}", "paths.output_dir=unused"])
    torch.manual_seed(0)
    datamodule = instantiate(cfg.dataset)
    datamodule.prepare_data()
    datamodule.setup("fit")
    module = build_module(cfg)
    optimizer = module.configure_optimizers()
    x_train, y_train = datamodule.split("train")
    x_test, y_test = datamodule.split("test")
    steps_per_epoch = -(-len(x_train) // cfg.dataset.batch_size)
    hp = module.hparams
    folder = Path(tempfile.mkdtemp())

    def train_steps() -> float:
        start = time.perf_counter()
        for _ in range(args.steps):
            index = torch.randint(0, len(x_train), (cfg.dataset.batch_size,))
            x = x_train[index]
            out = module.net(x, 1.0)
            loss = module.net.loss_terms(x, out, hp.reconstruction).weighted(*module.weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return (time.perf_counter() - start) / args.steps * steps_per_epoch

    def per_epoch_callbacks() -> float:
        start = time.perf_counter()
        with torch.no_grad():
            for x, y in ((x_train, y_train), (x_test, y_test)):
                probs, _ = _predict_local(module.net, x, 2048)
                clustering_scores(probs.argmax(-1).numpy(), y.numpy(), 10, 10)
            probs, z = _predict_local(module.net, x_train[:2000], 2048)
        clusters = probs.argmax(-1).numpy()
        latent_figure(
            pca_2d(z.double().numpy()), y_train[:2000].numpy(), clusters, 10, folder / "pca.png"
        )
        return time.perf_counter() - start

    epoch, callbacks = [], []
    for _ in range(2):
        epoch.append(train_steps())
        callbacks.append(per_epoch_callbacks())
    with torch.no_grad():
        z = _predict_local(module.net, x_train[:2000], 2048)[1].double().numpy()
    start = time.perf_counter()
    tsne_2d(z)
    tsne = time.perf_counter() - start
    epoch_s, callbacks_s = sum(epoch) / 2, sum(callbacks) / 2
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "estimated_epoch_s (training steps only)": epoch_s,
                "per_epoch_callbacks_s": callbacks_s,
                "per_epoch_ratio": callbacks_s / epoch_s,
                "tsne_2000_points_s": tsne,
                "300_epoch_overhead (per-epoch + 7 t-SNE)": (300 * callbacks_s + 7 * tsne)
                / (300 * epoch_s),
                "samples": {"epoch_s": epoch, "callbacks_s": callbacks},
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
