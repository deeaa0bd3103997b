"""dataset=files: a user's own .npz (with and without y), .csv and IDX files, end to end."""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_config

from gmvae_lightning.data import FilesDataModule
from gmvae_lightning.train import train


def blobs(count: int = 240, features: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs in ``features`` dimensions."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, count)
    centres = rng.normal(0, 5, (3, features))
    return centres[y] + rng.normal(0, 1, (count, features)), y


def files_config(tmp_path: Path, *overrides: str):
    return compose_config(
        [
            "dataset=files",
            "trainer.max_epochs=2",
            "+trainer.enable_progress_bar=false",
            "logger=csv",
            "dataset.batch_size=32",
            *overrides,
        ],
        tmp_path / "run",
    )


def files_module(path: Path, **kwargs) -> FilesDataModule:
    kwargs.setdefault("input_dim", None)
    kwargs.setdefault("num_classes", None)
    kwargs.setdefault("reconstruction", "auto")
    kwargs.setdefault("batch_size", 2)
    return FilesDataModule("files", ".", path=str(path), **kwargs)


def test_npz_with_labels_trains_and_takes_k_from_the_labels(tmp_path: Path) -> None:
    x, y = blobs()
    np.savez(tmp_path / "data.npz", x=x, y=np.array(["a", "b", "c"])[y])
    cfg = files_config(tmp_path, f"dataset.path={tmp_path / 'data.npz'}")
    results = train(cfg)
    assert cfg.dataset.num_classes == 3 and cfg.model.num_clusters == 3
    assert cfg.dataset.input_dim == 12 and cfg.model.reconstruction == "bernoulli"
    assert results["num_clusters"] == 3
    assert 0.0 <= results["all/acc"] <= 1.0 and 0.0 <= results["all/nmi"] <= 1.0
    assert "test/acc" not in results  # no test_path: only the all split is scored
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    assert written["all/acc"] == pytest.approx(results["all/acc"])


def test_npz_without_labels_trains_with_k_given(tmp_path: Path) -> None:
    x, _ = blobs()
    np.savez(tmp_path / "data.npz", x=x)
    np.savez(tmp_path / "test.npz", x=blobs(60, seed=1)[0])
    cfg = files_config(
        tmp_path,
        f"dataset.path={tmp_path / 'data.npz'}",
        f"dataset.test_path={tmp_path / 'test.npz'}",
        "dataset.scaling=standard",
        "model.num_clusters=4",
    )
    results = train(cfg)
    assert cfg.dataset.num_classes is None and cfg.model.reconstruction == "gaussian"
    assert results["num_clusters"] == 4
    assert not any(key.endswith(("/acc", "/nmi", "/ari")) for key in results)
    for split in ("test", "all"):
        for term in ("loss", "reconstruction", "kl_categorical", "kl_gaussian"):
            assert np.isfinite(results[f"{split}/{term}"])
        assert 0.25 <= results[f"{split}/largest_cluster"] <= 1.0
        assert 1 <= results[f"{split}/used_clusters"] <= 4
    assert (tmp_path / "run" / "results.json").exists()


def test_csv_with_a_label_column_trains(tmp_path: Path) -> None:
    x, y = blobs(120, 4)
    lines = ["f1,f2,kind,f3,f4"]
    lines += [f"{a},{b},class{c},{d},{e}" for (a, b, d, e), c in zip(x, y, strict=True)]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    cfg = files_config(
        tmp_path, f"dataset.path={tmp_path / 'data.csv'}", "dataset.label_column=kind"
    )
    results = train(cfg)
    assert cfg.dataset.input_dim == 4 and cfg.dataset.num_classes == 3
    assert 0.0 <= results["all/acc"] <= 1.0


def test_csv_without_header_or_labels_is_read(tmp_path: Path) -> None:
    (tmp_path / "plain.csv").write_text("1,2\n3,4\n5,8\n")
    module = files_module(tmp_path / "plain.csv", scaling="none", val_size=0)
    module.setup()
    np.testing.assert_array_equal(module.split("train")[0].numpy(), [[1, 2], [3, 4], [5, 8]])
    assert module.num_classes is None and module.reconstruction == "gaussian"


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_idx_images_are_flattened_and_labelled_from_a_label_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 6, 5))
    labels = rng.integers(0, 10, 50)
    write_idx(tmp_path / "images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "labels-idx1-ubyte.gz", labels)
    module = files_module(
        tmp_path / "images-idx3-ubyte.gz",
        labels_path=str(tmp_path / "labels-idx1-ubyte.gz"),
        scale_per="all",
        val_size=0,
    )
    description = module.describe()
    assert description["input_dim"] == 30 and description["input_shape"] == [1, 6, 5]
    assert description["reconstruction"] == "bernoulli"
    module.setup()
    x, y = module.split("train")
    expected = (images.reshape(50, -1) - images.min()) / (images.max() - images.min())
    np.testing.assert_allclose(x.numpy(), expected, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), np.unique(labels, return_inverse=True)[1])


def test_scalings(tmp_path: Path) -> None:
    x = np.array([[0.0, 10.0], [5.0, 20.0], [10.0, 60.0]])
    np.save(tmp_path / "x.npy", x)
    scaled = {}
    for scaling in ("minmax", "standard", "none"):
        module = files_module(tmp_path / "x.npy", scaling=scaling, val_size=0)
        module.setup()
        scaled[scaling] = module.split("train")[0].numpy()
    np.testing.assert_allclose(scaled["minmax"], [[0, 0], [0.5, 0.2], [1, 1]], atol=1e-6)
    np.testing.assert_allclose(scaled["standard"].mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(scaled["standard"].std(0), 1, atol=1e-6)
    np.testing.assert_array_equal(scaled["none"], x)
