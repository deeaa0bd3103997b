"""The report over run folders: real baseline runs (k-means on digits) and a hand-made sweep."""

import csv
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CONFIG_DIR, REPO, SHARED_DATA
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import open_dict

from gmvae_lightning.baselines import run_baseline
from gmvae_lightning.errors import UserError
from gmvae_lightning.report import report


def baseline_run(folder: Path, method: str, seed: int) -> dict:
    GlobalHydra.instance().clear()
    overrides = ["dataset=digits", f"baseline={method}", f"seed={seed}"]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="baselines", overrides=[*overrides, "baseline.estimator.n_init=1"]
        )
    with open_dict(cfg):
        cfg.paths.output_dir = str(folder)
        cfg.paths.data_dir = str(SHARED_DATA)
    results = run_baseline(cfg)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    return results


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("baselines")
    results = [
        baseline_run(root / f"{method}{seed}", method, seed)
        for method in ("kmeans", "gmm")
        for seed in (1, 2)
    ]
    return root, results


def test_baselines_score_like_the_vaes(baselines: tuple[Path, list[dict]]) -> None:
    _, results = baselines
    for result in results:
        assert result["model"] in ("kmeans", "gmm") and result["dataset"] == "digits"
        for key in ("test/acc", "test/nmi", "test/ari", "all/acc", "all/nmi", "all/ari"):
            assert 0.3 < result[key] <= 1.0  # raw-pixel k-means reaches ~0.8 ACC on digits


def test_report_averages_over_seeds(baselines: tuple[Path, list[dict]], tmp_path: Path) -> None:
    root, results = baselines
    out = report([root], tmp_path / "report")
    rows = {row["method"]: row for row in csv.DictReader((out / "report.csv").open())}
    assert set(rows) == {"kmeans", "gmm"}
    kmeans = [r["test/acc"] for r in results if r["model"] == "kmeans"]
    assert rows["kmeans"]["runs"] == "2"
    assert float(rows["kmeans"]["acc_mean"]) == pytest.approx(statistics.fmean(kmeans))
    assert float(rows["kmeans"]["acc_std"]) == pytest.approx(statistics.stdev(kmeans))
    markdown = (out / "report.md").read_text()
    assert "| kmeans |" in markdown and "±" in markdown and "digits ACC" in markdown


def write_run(folder: Path, overrides: list[str], acc: float, nmi: float) -> None:
    folder.mkdir(parents=True)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    results = {
        "dataset": "digits",
        "model": "simple",
        "test/acc": acc,
        "test/nmi": nmi,
        "test/ari": acc / 2,
    }
    (folder / "results.json").write_text(json.dumps(results))


def test_a_swept_parameter_gets_rows_and_a_plot(tmp_path: Path) -> None:
    sweep = tmp_path / "multirun"
    job = 0
    for w in ("0.5", "1", "2"):
        for seed in (1, 2):
            overrides = [f"model.w_gauss={w}", f"seed={seed}", "logger=csv"]
            write_run(sweep / str(job), overrides, 0.5 + float(w) / 10 + seed / 100, 0.4)
            job += 1
    out = report([sweep], split="test")
    assert out == sweep / "report"
    rows = list(csv.DictReader((out / "report.csv").open()))
    assert [r["method"] for r in rows] == [
        "simple (model.w_gauss=0.5)",
        "simple (model.w_gauss=1)",
        "simple (model.w_gauss=2)",
    ]
    assert float(rows[2]["acc_mean"]) == pytest.approx(0.715)
    assert (out / "sweep_model.w_gauss.png").stat().st_size > 1000


def test_an_empty_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no results\.json"):
        report([tmp_path])
    process = subprocess.run(
        [sys.executable, "-m", "gmvae_lightning.report", str(tmp_path / "missing")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": str(REPO / "src")},
    )
    assert process.returncode == 2 and "does not exist" in process.stderr
