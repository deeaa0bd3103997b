"""Bad input gets a clear UserError (one test each, as listed in docs/errors.md), and the
command line prints it without a traceback."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, SHARED_DATA

from gmvae_lightning.data import FilesDataModule, ReutersDataModule
from gmvae_lightning.data.complete import complete_config
from gmvae_lightning.data.usps import read_esl_file
from gmvae_lightning.errors import UserError


def files(path: Path, **kwargs) -> FilesDataModule:
    kwargs.setdefault("input_dim", None)
    kwargs.setdefault("num_classes", None)
    kwargs.setdefault("reconstruction", "auto")
    kwargs.setdefault("batch_size", 2)
    return FilesDataModule("files", ".", path=str(path), **kwargs)


def test_missing_file_names_the_file_and_the_folder(tmp_path: Path) -> None:
    (tmp_path / "other.npz").write_bytes(b"x")
    with pytest.raises(UserError) as error:
        files(tmp_path / "data.npz").setup()
    message = str(error.value)
    assert "data.npz" in message and str(tmp_path) in message and "other.npz" in message


def test_truncated_gz_is_reported(tmp_path: Path) -> None:
    data = (SHARED_DATA / "usps" / "zip.test.gz").read_bytes()
    (tmp_path / "zip.test.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match=r"not a readable gzip .*truncated or corrupted"):
        read_esl_file(tmp_path / "zip.test.gz")


def test_corrupted_idx_gz_is_reported(tmp_path: Path) -> None:
    raw = bytes([0, 0, 8, 2, 0, 0, 0, 4, 0, 0, 0, 3]) + bytes(12)
    data = bytearray(gzip.compress(raw))
    data[12] ^= 0xFF
    (tmp_path / "x-idx2-ubyte.gz").write_bytes(bytes(data))
    with pytest.raises(UserError, match="truncated or corrupted"):
        files(tmp_path / "x-idx2-ubyte.gz").setup()


def test_checksum_mismatch_is_reported(tmp_path: Path) -> None:
    from gmvae_lightning.data.download import verify

    (tmp_path / "zip.train.gz").write_bytes(b"not the file")
    with pytest.raises(UserError, match="does not match its published checksum"):
        verify(tmp_path / "zip.train.gz", "0" * 64)


def test_wrong_array_shape_is_reported(tmp_path: Path) -> None:
    np.save(tmp_path / "flat.npy", np.arange(10.0))
    with pytest.raises(UserError, match=r"shape \(10,\); expected \(samples, features\)"):
        files(tmp_path / "flat.npy").setup()
    (tmp_path / "reuters10k").mkdir()
    np.save(tmp_path / "reuters10k" / "reutersidf10k.npy", {"data": np.ones((20, 1999)),
            "label": np.arange(20) % 4})  # fmt: skip
    module = ReutersDataModule("reuters10k", tmp_path, input_dim=2000, num_classes=4)
    with pytest.raises(UserError, match=r"expected \(N, 2000\)"):
        module.setup()


def test_label_count_differing_from_samples_is_reported(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((10, 3)), y=np.arange(9))
    with pytest.raises(UserError, match="10 samples but 9 labels"):
        files(tmp_path / "d.npz").setup()


def test_nan_or_infinite_values_are_reported(tmp_path: Path) -> None:
    x = np.random.default_rng(0).random((10, 3))
    x[4, 1], x[7, 0] = np.nan, np.inf
    np.savez(tmp_path / "d.npz", x=x)
    with pytest.raises(UserError, match=r"2 NaN or infinite values, in 2 samples \(first: row 4\)"):
        files(tmp_path / "d.npz").setup()


def test_non_numeric_csv_column_is_reported(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,x\n")
    with pytest.raises(UserError, match=r"column 'b' is not numeric \(line 3: 'x'\)"):
        files(tmp_path / "d.csv").setup()


def test_missing_label_column_is_reported(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(UserError, match=r"no column 'label' \(columns: \['a', 'b'\]\)"):
        files(tmp_path / "d.csv", label_column="label").setup()


def test_empty_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("")
    with pytest.raises(UserError, match="is empty"):
        files(tmp_path / "d.csv").setup()
    np.save(tmp_path / "e.npy", np.zeros((0, 4)))
    with pytest.raises(UserError, match="split is empty"):
        files(tmp_path / "e.npy").setup()


@pytest.mark.parametrize("k", [1, 11])
def test_num_clusters_out_of_bounds_is_reported(tmp_path: Path, make_config, k: int) -> None:
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((10, 3)))
    module = files(tmp_path / "x.npy", val_size=0)
    cfg = make_config(f"model.num_clusters={k}")
    if k < 2:
        with pytest.raises(UserError, match=r"model.num_clusters must be at least 2, got 1"):
            complete_config(cfg, module)
    else:
        complete_config(cfg, module)
        with pytest.raises(UserError, match=r"num_clusters=11 is larger than the number of sam"):
            module.setup()


def test_unlabelled_data_without_k_is_reported(tmp_path: Path) -> None:
    from conftest import compose_config

    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((10, 3)))
    cfg = compose_config(["dataset=files", f"dataset.path={tmp_path / 'x.npy'}"], tmp_path)
    with pytest.raises(UserError, match=r"set model.num_clusters=K"):
        complete_config(cfg, files(tmp_path / "x.npy"))


def test_bernoulli_for_data_outside_unit_interval_is_reported(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.array([[0.0, 2.0], [1.0, -1.0], [0.5, 0.5]]))
    module = files(tmp_path / "x.npy", scaling="none", reconstruction="bernoulli")
    with pytest.raises(UserError, match=r"Bernoulli .* \[-1, 2\]; set dataset.reconstruction="):
        module.setup()


def test_command_line_prints_the_error_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,x\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), WANDB_MODE="offline")
    env.pop("HYDRA_FULL_ERROR", None)
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "train.py"),
            "dataset=files",
            f"dataset.path={tmp_path / 'd.csv'}",
            "logger=none",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert "error:" in run.stderr and "column 'b' is not numeric" in run.stderr
    assert "Traceback" not in run.stderr
