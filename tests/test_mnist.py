"""The MNIST reader on the real files, and the downloader against a local HTTP server."""

import functools
import gzip
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gmvae_lightning.data.idx import read_idx
from gmvae_lightning.data.mnist import MNIST_FILES, MNISTDataModule, ensure_mnist_files
from gmvae_lightning.errors import UserError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def mnist_module(data_dir: Path, **kwargs) -> MNISTDataModule:
    return MNISTDataModule(name="mnist", data_dir=data_dir, input_dim=784, num_classes=10, **kwargs)


def test_real_files_have_the_published_counts(shared_data: Path) -> None:
    module = mnist_module(shared_data, val_size=5000)
    module.setup()
    x_train, y_train = module.split("train")
    x_val, y_val = module.split("val")
    x_test, y_test = module.split("test")
    assert (len(x_train), len(x_val), len(x_test)) == (55000, 5000, 10000)
    assert len(module.split("all")[0]) == 70000
    full_train = np.concatenate([y_train.numpy(), y_val.numpy()])
    assert np.bincount(full_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test.numpy()).tolist() == TEST_COUNTS
    assert x_train.shape[1] == 784 and x_train.min() >= 0 and x_train.max() == 1.0


def test_idx_reader_rejects_truncated_files(tmp_path: Path, shared_data: Path) -> None:
    data = gzip.decompress((shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "short").write_bytes(data[:-10])
    with pytest.raises(UserError, match="truncated"):
        read_idx(tmp_path / "short")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(data)[:-50])
    with pytest.raises(UserError, match="truncated or corrupted"):
        read_idx(tmp_path / "cut.gz")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path, shared_data: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a copy of the MNIST folder."""
    served = tmp_path / "served"
    shutil.copytree(shared_data / "mnist", served)
    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()


def test_download_fetches_and_verifies_all_files(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    url, _ = mirror
    module = mnist_module(tmp_path / "data", mirrors=[url], val_size=0)
    module.prepare_data()
    for name in MNIST_FILES:
        assert (tmp_path / "data" / "mnist" / name).is_file()
    module.setup()
    assert len(module.split("train")[0]) == 60000


def test_corrupted_download_is_rejected(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    url, served = mirror
    target = served / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(UserError, match=r"t10k-labels-idx1-ubyte\.gz") as error:
        ensure_mnist_files(tmp_path / "data", [url], download_missing=True)
    assert "sha256 does not match" in str(error.value)
    assert not (tmp_path / "data" / "t10k-labels-idx1-ubyte.gz").exists()
    assert not list((tmp_path / "data").glob("*.part"))


def test_corrupted_local_file_is_rejected(tmp_path: Path, shared_data: Path) -> None:
    shutil.copytree(shared_data / "mnist", tmp_path / "mnist")
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b broken")
    with pytest.raises(UserError, match="does not match its published checksum"):
        mnist_module(tmp_path).setup()


def test_missing_files_without_network_give_one_clear_error(tmp_path: Path) -> None:
    unreachable = ["http://127.0.0.1:9/"]  # the discard port: connection refused
    with pytest.raises(UserError) as error:
        mnist_module(tmp_path, mirrors=unreachable).prepare_data()
    message = str(error.value)
    for expected in (
        "train-images-idx3-ubyte.gz",
        str(tmp_path / "mnist"),
        "GMVAE_DATA_DIR",
        "dataset=digits",
    ):
        assert expected in message
