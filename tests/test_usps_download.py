"""USPS download path against a local HTTP server (no internet): the verified ESL pair arrives,
a mirror serving wrong bytes is refused, and with no mirror the error names files and folder."""

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA

from gmvae_lightning.data import USPSDataModule
from gmvae_lightning.data.download import sha256sum
from gmvae_lightning.data.usps import ESL_FILES
from gmvae_lightning.errors import UserError


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    """``serve(folder)`` -> base URL of an HTTP server on 127.0.0.1 for ``folder``."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def usps(data_dir: Path, mirrors: list[str], download: bool = True) -> USPSDataModule:
    return USPSDataModule(
        "usps", data_dir, input_dim=256, num_classes=10, download=download, mirrors=mirrors
    )


def test_downloads_the_esl_pair_and_verifies_it(serve, tmp_path: Path) -> None:
    url = serve(SHARED_DATA / "usps")
    module = usps(tmp_path, ["http://127.0.0.1:9/unreachable/", url])
    module.prepare_data()
    for name, sha256 in ESL_FILES.items():
        assert sha256sum(tmp_path / "usps" / name) == sha256
    assert not list((tmp_path / "usps").glob("*.part"))
    module.setup()
    assert len(module.split("all")[0]) == 9_298
    assert np.bincount(module.split("test")[1].numpy())[0] == 359


def test_a_mirror_serving_a_wrong_file_is_refused(serve, tmp_path: Path) -> None:
    bad = tmp_path / "mirror"
    bad.mkdir()
    for name in ESL_FILES:
        data = bytearray((SHARED_DATA / "usps" / name).read_bytes())
        data[1000] ^= 0xFF
        (bad / name).write_bytes(bytes(data))
    module = usps(tmp_path / "data", [serve(bad)])
    with pytest.raises(UserError, match="sha256 does not match") as error:
        module.prepare_data()
    assert str(tmp_path / "data" / "usps") in str(error.value)
    assert not list((tmp_path / "data" / "usps").glob("zip.*"))


def test_missing_files_name_the_files_and_the_folder(tmp_path: Path) -> None:
    module = usps(tmp_path, [], download=False)
    with pytest.raises(UserError) as error:
        module.prepare_data()
    message = str(error.value)
    assert "zip.train.gz" in message and "zip.test.gz" in message and "usps.h5" in message
    assert str(tmp_path / "usps") in message and "dataset.download=false" in message


def test_a_local_file_with_a_wrong_checksum_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "usps"
    folder.mkdir()
    for name in ESL_FILES:
        shutil.copy(SHARED_DATA / "usps" / name, folder / name)
    with (folder / "zip.test.gz").open("ab") as stream:
        stream.write(b"extra")
    module = usps(tmp_path, [], download=False)
    with pytest.raises(UserError, match=r"zip.test.gz does not match its published checksum"):
        module.setup()
