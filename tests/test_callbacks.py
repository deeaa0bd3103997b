"""One real short digits run with every callback on; its plots, metrics, W&B media, the
evaluation of its checkpoint, and the notebook executed against it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SHARED_DATA, compose_config

from gmvae_lightning.evaluation import evaluate_checkpoint
from gmvae_lightning.train import train

CHEAP = [
    "callbacks.latent_space.num_points=300",
    "callbacks.latent_space.tsne_epochs=[1]",
    "callbacks.latent_space.tsne_iterations=250",
    "callbacks.generation.every_n_epochs=1",
    "callbacks.clustering_metrics.every_n_epochs=1",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    cfg = compose_config(
        [
            "dataset=digits",
            "trainer.max_epochs=2",
            "+trainer.enable_progress_bar=false",
            "logger=[wandb,csv]",
            f"paths.data_dir={SHARED_DATA}",
            "model.num_clusters=7",
            *CHEAP,
        ],
        folder,
    )
    train(cfg)
    return folder


def test_plots_are_written(run_dir: Path) -> None:
    plots = run_dir / "plots"
    latent = sorted(p.name for p in (plots / "latent").glob("*.png"))
    assert latent == [
        "pca_epoch_001.png",
        "pca_epoch_002.png",
        "tsne_epoch_001.png",
        "tsne_epoch_002.png",  # the last epoch, tsne_at_end
        "tsne_strip.png",
    ]
    generation = {p.name for p in (plots / "generation").glob("*.png")}
    for name in ("clusters", "style", "reconstructions"):
        assert {f"{name}.png", f"{name}_epoch_001.png", f"{name}_epoch_002.png"} <= generation
    assert (plots / "confusion_test.png").stat().st_size > 1000
    table = (plots / "clusters_test.csv").read_text().splitlines()
    assert len(table) == 1 + 7  # header + one row per cluster (K = 7)
    sizes = [int(line.split(",")[1]) for line in table[1:]]
    assert sum(sizes) == 360  # the digits test split


def test_epoch_metrics_and_best_so_far(run_dir: Path) -> None:
    lines = (run_dir / "metrics.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    epochs = [row for row in rows if row.get("train/acc")]
    assert len(epochs) == 2
    for split in ("train", "test", "val"):
        values = [float(row[f"{split}/acc_best"]) for row in epochs]
        assert values[1] >= values[0]
        assert 0 < values[1] <= 1
    last = epochs[-1]
    assert float(last["train/acc_best"]) == max(float(r["train/acc"]) for r in epochs)


def test_results_hold_knn_errors(run_dir: Path) -> None:
    results = json.loads((run_dir / "results.json").read_text())
    for k in (3, 5, 10):
        assert 0 <= results[f"test/knn_error@{k}"] < 0.5  # far better than chance (0.9)


def test_wandb_offline_run_holds_the_images(run_dir: Path) -> None:
    runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
    images = {p.name.split("_")[0] for p in (runs[0] / "files" / "media").rglob("*.png")}
    assert images  # W&B stores logged PNGs under files/media/images
    tables = list((runs[0] / "files" / "media").rglob("*.table.json"))
    assert tables, "the per-cluster table was not logged"


def test_evaluate_reproduces_results(run_dir: Path) -> None:
    results = json.loads((run_dir / "results.json").read_text())
    evaluation, folder = evaluate_checkpoint(
        run_dir / "checkpoints" / "last.ckpt", str(SHARED_DATA), tsne=False, num_points=300
    )
    assert folder == run_dir
    on_disk = json.loads((run_dir / "evaluation.json").read_text())
    for key in ("test/acc", "test/nmi", "test/ari", "all/acc", "all/nmi", "all/ari"):
        assert on_disk[key] == pytest.approx(results[key], abs=1e-6), key
    for k in (3, 5, 10):
        assert on_disk[f"test/knn_error@{k}"] == pytest.approx(results[f"test/knn_error@{k}"])
    assert evaluation == on_disk
    figures = {p.name for p in (run_dir / "plots" / "evaluation").glob("*.png")}
    assert {"confusion_test.png", "latent_pca_test.png", "clusters.png", "style.png"} <= figures


def test_evaluate_cli_rejects_a_missing_checkpoint(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "evaluate.py", f"ckpt_path={tmp_path / 'nope.ckpt'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert process.returncode == 2
    assert "does not exist" in process.stderr and "Traceback" not in process.stderr


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(run_dir: Path) -> None:
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbmake",
            "notebooks/explore_run.ipynb",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "GMVAE_RUN_DIR": str(run_dir), "MPLBACKEND": "Agg"},
    )
    assert process.returncode == 0, process.stdout[-3000:]
