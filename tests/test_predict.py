"""predict.py and the Python API: a digits run's test split round-trips to the scored clusters."""

import os
import subprocess
import sys
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
from conftest import REPO, SHARED_DATA, compose_config
from omegaconf import OmegaConf
from torchmetrics.clustering import AdjustedRandScore, NormalizedMutualInfoScore

from gmvae_lightning.data import DigitsDataModule
from gmvae_lightning.errors import UserError
from gmvae_lightning.metrics import ClusterAccuracy
from gmvae_lightning.module import GMVAEModule
from gmvae_lightning.prediction import predict
from gmvae_lightning.train import train

LATENT_DIM = 8  # the digits config's model_defaults.latent_dim


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> tuple[Path, dict]:
    run_dir = tmp_path_factory.mktemp("digits_run")
    overrides = [
        "dataset=digits",
        "dataset.batch_size=64",
        "trainer.max_epochs=2",
        "+trainer.enable_progress_bar=false",
        "logger=csv",
        f"paths.data_dir={SHARED_DATA}",
    ]
    results = train(compose_config(overrides, run_dir))
    return run_dir / "checkpoints" / "last.ckpt", results


@pytest.fixture(scope="module")
def digits_test_split() -> tuple[np.ndarray, np.ndarray]:
    cfg = compose_config(["dataset=digits", f"paths.data_dir={SHARED_DATA}"])
    datamodule = DigitsDataModule(**{k: v for k, v in cfg.dataset.items() if k != "_target_"})
    datamodule.setup()
    x, y = datamodule.split("test")
    return x.numpy(), y.numpy()


def run_predict(ckpt: Path, input_path: Path | str, output: Path | str) -> dict:
    cfg = OmegaConf.create(
        {"ckpt_path": str(ckpt), "input": str(input_path), "output": str(output)}
    )
    return predict(cfg)


def scores(clusters: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    c, y = torch.from_numpy(clusters), torch.from_numpy(labels)
    acc = ClusterAccuracy(10, 10)
    acc.update(c, y)
    return {
        "test/acc": float(acc.compute()),
        "test/nmi": float(NormalizedMutualInfoScore("arithmetic")(c, y)),
        "test/ari": float(AdjustedRandScore()(c, y)),
    }


def test_predict_cli_round_trips_the_test_split_to_the_scored_assignments(
    digits_run, digits_test_split, tmp_path
):
    ckpt, results = digits_run
    x, y = digits_test_split
    np.save(tmp_path / "test.npy", x)
    output = tmp_path / "out" / "clusters.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, str(REPO / "predict.py"), f"ckpt_path={ckpt}"]
    command += [f"input={tmp_path / 'test.npy'}", f"output={output}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    table = np.loadtxt(output, delimiter=",", skiprows=1)
    header = output.read_text().splitlines()[0].split(",")
    assert header[:3] == ["cluster", "probability", "q_0"] and header[-1] == f"z_{LATENT_DIM - 1}"
    clusters = table[:, 0].astype(np.int64)
    assert len(clusters) == len(x)
    for key, value in scores(clusters, y).items():
        assert value == pytest.approx(results[key], abs=1e-6), key
    q_c = table[:, 2:12]
    np.testing.assert_allclose(q_c.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(table[:, 1], q_c.max(axis=1), atol=1e-6)
    assert (q_c.argmax(axis=1) == clusters).all()


def test_python_api_and_npz_csv_inputs_agree(digits_run, digits_test_split, tmp_path):
    ckpt, results = digits_run
    x, y = digits_test_split
    module = GMVAEModule.load_from_checkpoint(ckpt)
    assert isinstance(module, GMVAEModule) and not module.training
    api = module.predict(x)
    assert set(api) == {"cluster", "probability", "q_c", "latent_mean"}
    assert api["q_c"].shape == (len(x), 10) and api["latent_mean"].shape == (len(x), LATENT_DIM)
    assert scores(api["cluster"], y)["test/acc"] == pytest.approx(results["test/acc"], abs=1e-6)
    assert np.array_equal(GMVAEModule.from_checkpoint(ckpt).predict(x)["cluster"], api["cluster"])

    np.savez(tmp_path / "test.npz", x=x, y=y)
    from_npz = run_predict(ckpt, tmp_path / "test.npz", tmp_path / "out.npz")
    assert np.array_equal(from_npz["cluster"], api["cluster"])
    saved = np.load(tmp_path / "out.npz")
    np.testing.assert_array_equal(saved["latent_mean"], api["latent_mean"])

    header = ",".join(f"pixel{i}" for i in range(x.shape[1]))
    np.savetxt(tmp_path / "test.csv", x, delimiter=",", header=header, comments="", fmt="%.9g")
    from_csv = run_predict(ckpt, tmp_path / "test.csv", tmp_path / "out.csv")
    assert np.array_equal(from_csv["cluster"], api["cluster"])


def test_the_raw_mnist_file_is_read_and_checked_against_the_model(digits_run, tmp_path):
    ckpt, _ = digits_run
    idx = SHARED_DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
    with pytest.raises(UserError, match=r"\(10000, 784\).*trained on 64 features.*digits"):
        run_predict(ckpt, idx, tmp_path / "out.csv")


def test_an_mnist_model_reads_the_raw_idx_file(tmp_path):
    """An untrained MNIST-sized module predicts on the official t10k file, pixels in [0, 1]."""
    L.seed_everything(0)
    cfg = compose_config(["dataset=mnist", f"paths.data_dir={SHARED_DATA}"], tmp_path)
    from gmvae_lightning.train import build_module

    module = build_module(cfg)
    torch.save(
        {"state_dict": module.state_dict(), "run_config": module.run_config}, tmp_path / "m.ckpt"
    )
    idx = SHARED_DATA / "mnist" / "t10k-images-idx3-ubyte.gz"
    predictions = run_predict(tmp_path / "m.ckpt", idx, tmp_path / "out.npz")
    assert predictions["q_c"].shape == (10000, 10)


def test_input_on_another_scale_is_refused(digits_run, digits_test_split, tmp_path):
    ckpt, _ = digits_run
    np.save(tmp_path / "raw.npy", digits_test_split[0] * 16)
    with pytest.raises(UserError, match=r"values in \[0, 16\].*trained on values in \[0, 1\]"):
        run_predict(ckpt, tmp_path / "raw.npy", tmp_path / "out.csv")


def test_a_checkpoint_of_another_program_or_model_is_refused(digits_run, tmp_path):
    ckpt, _ = digits_run
    np.save(tmp_path / "x.npy", np.zeros((2, 64), dtype=np.float32))
    torch.save({"state_dict": {}, "epoch": 0}, tmp_path / "foreign.ckpt")
    with pytest.raises(UserError, match="not written by gmvae-lightning"):
        run_predict(tmp_path / "foreign.ckpt", tmp_path / "x.npy", tmp_path / "o.csv")

    checkpoint = torch.load(ckpt, weights_only=False)
    checkpoint["run_config"]["model"]["net"]["input_dim"] = 784  # the weights are for 64
    torch.save(checkpoint, tmp_path / "mismatch.ckpt")
    with pytest.raises(UserError, match=r"model of another size.*\(512, 64\).*\(512, 784\)"):
        run_predict(tmp_path / "mismatch.ckpt", tmp_path / "x.npy", tmp_path / "o.csv")
    checkpoint["run_config"]["model"]["latent_dim"] = 5
    torch.save(checkpoint, tmp_path / "broken.ckpt")
    with pytest.raises(UserError, match=r"cannot be built.*z=5"):
        run_predict(tmp_path / "broken.ckpt", tmp_path / "x.npy", tmp_path / "o.csv")

    (tmp_path / "text.ckpt").write_text("not a checkpoint")
    with pytest.raises(UserError, match="not a readable checkpoint"):
        run_predict(tmp_path / "text.ckpt", tmp_path / "x.npy", tmp_path / "o.csv")
    with pytest.raises(UserError, match="does not exist"):
        run_predict(tmp_path / "missing.ckpt", tmp_path / "x.npy", tmp_path / "o.csv")


def test_an_unwritable_output_folder_is_refused_before_any_work(digits_run, tmp_path):
    ckpt, _ = digits_run
    np.save(tmp_path / "x.npy", np.zeros((2, 64), dtype=np.float32))
    (tmp_path / "a_file").write_text("")
    with pytest.raises(UserError, match="cannot write the output"):
        run_predict(ckpt, tmp_path / "x.npy", tmp_path / "a_file" / "out.csv")
    with pytest.raises(UserError, match=r"\.csv or \.npz"):
        run_predict(ckpt, tmp_path / "x.npy", tmp_path / "out.txt")
