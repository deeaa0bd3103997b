"""The results page: archived run folders in, our rows beside the poster's and figure links out."""

import json
import re
import statistics
from pathlib import Path

import yaml

from gmvae_lightning.report import main as report_main
from gmvae_lightning.results_page import archive_runs, write_page

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def write_run(folder: Path, seed: int, acc: float, with_plots: bool) -> None:
    overrides = ["experiment=paper_mnist", "trainer.max_epochs=20", f"seed={seed}"]
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    results = {
        "dataset": "mnist", "model": "simple", "seed": seed, "epochs": 20,
        "train_time_s": 600.0, "test/acc": acc, "test/nmi": acc - 0.1, "test/ari": 0.3,
        "all/acc": acc, "all/nmi": acc - 0.1, "test/knn_error@3": 0.05,
        "test/knn_error@5": 0.04, "test/knn_error@10": 0.03,
    }  # fmt: skip
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "last.ckpt").write_bytes(b"large, not archived")
    if with_plots:
        for name in ("clusters_epoch_010.png", "clusters_epoch_020.png", "style_epoch_020.png"):
            (folder / "plots" / "generation").mkdir(parents=True, exist_ok=True)
            (folder / "plots" / "generation" / name).write_bytes(PNG)


def test_page_is_rebuilt_from_archived_runs(tmp_path: Path) -> None:
    runs = tmp_path / "runs" / "paper_mnist"
    accs = {1: 0.5, 2: 0.6, 3: 0.7}
    for seed, acc in accs.items():
        write_run(runs / f"seed{seed}", seed, acc, with_plots=seed == 1)
    archive = tmp_path / "repo" / "docs" / "runs"
    archive_runs([runs], archive)
    kept = sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file())
    assert "paper_mnist/seed1/plots/generation_clusters.png" in kept
    assert not any(name.endswith(".ckpt") for name in kept)

    page = tmp_path / "repo" / "docs" / "results.md"
    text = write_page(archive, page)
    assert page.read_text() == text
    mean, std = statistics.fmean(accs.values()), statistics.stdev(accs.values())
    row = next(line for line in text.splitlines() if "| mnist | paper_mnist |" in line)
    assert f"{100 * mean:.2f} ± {100 * std:.2f}" in row and "| 3 | 20 |" in row
    assert "| mnist | **paper (poster)** | – | – | 85.75 ± 8 |" in text
    assert "| paper_mnist | 3 | 5.00 ± 0.00 | 4.00 ± 0.00 | 3.00 ± 0.00 |" in text
    assert "python train.py -m experiment=paper_mnist trainer.max_epochs=20 seed=1,2,3" in text
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert links and all((page.parent / link).is_file() for link in links)
    assert any("generation_clusters" in link for link in links)


def test_the_report_command_archives_and_writes_the_page(tmp_path: Path) -> None:
    runs = tmp_path / "runs" / "paper_mnist"
    for seed in (1, 2):
        write_run(runs / f"seed{seed}", seed, 0.5 + seed / 10, with_plots=False)
    page = tmp_path / "results.md"
    archive = tmp_path / "archive"
    report_main([str(runs), "--archive-to", str(archive), "--page", str(page)])
    assert (archive / "paper_mnist" / "seed2" / "results.json").is_file()
    assert "| mnist | paper_mnist | 2 |" in page.read_text()


def test_the_final_figure_wins_over_the_per_epoch_ones(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "paper_mnist" / "seed1"
    write_run(run, 1, 0.5, with_plots=True)
    (run / "plots" / "generation" / "clusters.png").write_bytes(PNG + b"final")
    archive_runs([run.parent], tmp_path / "archive")
    kept = tmp_path / "archive" / "paper_mnist" / "seed1" / "plots" / "generation_clusters.png"
    assert kept.read_bytes() == PNG + b"final"
