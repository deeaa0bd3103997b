"""The real MNIST and USPS files under GMVAE_DATA_DIR: counts, class distributions, both USPS
forms agreeing, and the data modules' splits."""

from pathlib import Path

import numpy as np
import pytest

from gmvae_lightning.data import MNISTDataModule, USPSDataModule
from gmvae_lightning.data.mnist import read_mnist
from gmvae_lightning.data.usps import read_usps_esl, read_usps_h5

# SOURCES.md of the shared datasets (and the ESL zip.info table for USPS)
MNIST_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
USPS_TRAIN = [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
USPS_TEST = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


@pytest.fixture(scope="module")
def usps_folder(request) -> Path:
    from conftest import SHARED_DATA

    folder = SHARED_DATA / "usps"
    if not folder.is_dir():
        pytest.fail(f"the USPS files are expected under {folder}; set GMVAE_DATA_DIR")
    return folder


@pytest.mark.slow
def test_mnist_counts_and_class_distribution(shared_data: Path) -> None:
    splits = read_mnist(shared_data / "mnist")
    assert splits.x_train.shape == (60_000, 784) and splits.x_test.shape == (10_000, 784)
    assert np.bincount(splits.y_train).tolist() == MNIST_TRAIN
    assert np.bincount(splits.y_test).tolist() == MNIST_TEST
    assert splits.x_train.min() == 0.0 and splits.x_train.max() == 1.0
    assert splits.x_train.mean() * 255 == pytest.approx(33.318, abs=1e-3)


def test_usps_esl_counts_and_class_distribution(usps_folder: Path) -> None:
    splits = read_usps_esl(usps_folder)
    assert splits.x_train.shape == (7_291, 256) and splits.x_test.shape == (2_007, 256)
    assert np.bincount(splits.y_train).tolist() == USPS_TRAIN
    assert np.bincount(splits.y_test).tolist() == USPS_TEST
    assert splits.x_train.min() == 0.0 and splits.x_train.max() == 1.0
    # SOURCES.md: ESL mean -0.491 in [-1, 1], i.e. 0.2545 after (x + 1) / 2
    assert splits.x_train.mean() == pytest.approx((1 - 0.491) / 2, abs=1e-3)


def test_usps_esl_and_h5_load_to_the_same_arrays(usps_folder: Path) -> None:
    esl, h5 = read_usps_esl(usps_folder), read_usps_h5(usps_folder / "usps.h5")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        a, b = getattr(esl, name), getattr(h5, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6, err_msg=name)


def test_usps_datamodule_splits(usps_folder: Path) -> None:
    module = USPSDataModule(
        "usps", usps_folder.parent, input_dim=256, num_classes=10, val_size=500, download=False
    )
    module.setup()
    sizes = {name: len(module.split(name)[0]) for name in ("train", "val", "test", "all")}
    assert sizes == {"train": 6_791, "val": 500, "test": 2_007, "all": 9_298}
    all_labels = module.split("all")[1].numpy()
    assert np.bincount(all_labels).tolist() == [
        a + b for a, b in zip(USPS_TRAIN, USPS_TEST, strict=True)
    ]


def test_usps_reads_h5_when_the_esl_pair_is_absent(usps_folder: Path, tmp_path: Path) -> None:
    (tmp_path / "usps").mkdir()
    (tmp_path / "usps" / "usps.h5").symlink_to(usps_folder / "usps.h5")
    module = USPSDataModule("usps", tmp_path, input_dim=256, num_classes=10, download=False)
    module.prepare_data()
    module.setup()
    assert len(module.split("test")[0]) == 2_007
    assert np.bincount(module.split("test")[1].numpy()).tolist() == USPS_TEST


@pytest.mark.slow
def test_mnist_datamodule_splits(shared_data: Path) -> None:
    module = MNISTDataModule(
        "mnist", shared_data, input_dim=784, num_classes=10, val_size=5000, download=False
    )
    module.setup()
    sizes = {name: len(module.split(name)[0]) for name in ("train", "val", "test", "all")}
    assert sizes == {"train": 55_000, "val": 5_000, "test": 10_000, "all": 70_000}
