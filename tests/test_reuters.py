"""REUTERS-10K: both published formats on small generated files, DEC's RCV1 recipe on a
synthetic sparse matrix, and a short training run on a generated file."""

from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.sparse
from conftest import compose_config
from sklearn.utils import Bunch

from gmvae_lightning.data import ReutersDataModule
from gmvae_lightning.data.reuters import (
    ROOT_TOPICS,
    build_reuters10k,
    read_reuters_mat,
    read_reuters_npy,
    reuters_from_rcv1,
)
from gmvae_lightning.errors import UserError
from gmvae_lightning.train import train


def make_reuters(count: int = 200, terms: int = 2000, seed: int = 0) -> tuple:
    """Non-negative sparse-ish tf-idf rows of norm sqrt(terms), 4 topics, like DEC's file."""
    rng = np.random.default_rng(seed)
    x = rng.random((count, terms)) * (rng.random((count, terms)) < 0.02)
    x = (x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(terms)).astype(np.float32)
    return x, rng.integers(0, 4, count)


def write_mat(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """VaDE's layout: X (N, 2000) and Y as a MATLAB row vector."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"X": x, "Y": y.reshape(1, -1).astype(np.uint8)})


def write_npy(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """DEC's layout: np.save of the dict {'data': x, 'label': y}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, {"data": x, "label": y}, allow_pickle=True)


def test_both_published_formats_read_to_the_same_arrays(tmp_path: Path) -> None:
    x, y = make_reuters()
    write_mat(tmp_path / "reuters10k.mat", x, y)
    write_npy(tmp_path / "reutersidf10k.npy", x, y)
    for reader, name in ((read_reuters_mat, "reuters10k.mat"), (read_reuters_npy, "x.npy")):
        path = tmp_path / ("reutersidf10k.npy" if name == "x.npy" else name)
        got_x, got_y = reader(path)
        assert got_x.dtype == np.float32 and got_y.dtype == np.int64
        np.testing.assert_array_equal(got_x, x)
        np.testing.assert_array_equal(got_y, y)


def test_sparse_x_in_the_mat_file_is_read(tmp_path: Path) -> None:
    x, y = make_reuters(50)
    scipy.io.savemat(tmp_path / "r.mat", {"X": scipy.sparse.csr_matrix(x), "Y": y[:, None]})
    got_x, got_y = read_reuters_mat(tmp_path / "r.mat")
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)


def test_readers_validate_shapes_and_labels(tmp_path: Path) -> None:
    x, y = make_reuters(50)
    scipy.io.savemat(tmp_path / "a.mat", {"X": x, "Y": y[:40]})
    with pytest.raises(UserError, match="50 documents but 40 labels"):
        read_reuters_mat(tmp_path / "a.mat")
    scipy.io.savemat(tmp_path / "b.mat", {"data": x})
    with pytest.raises(UserError, match="no variable X or Y"):
        read_reuters_mat(tmp_path / "b.mat")
    np.save(tmp_path / "c.npy", {"x": x})
    with pytest.raises(UserError, match="'data' and 'label'"):
        read_reuters_npy(tmp_path / "c.npy")
    np.save(tmp_path / "d.npy", {"data": x, "label": y + 0.5})
    with pytest.raises(UserError, match="labels must be integers"):
        read_reuters_npy(tmp_path / "d.npy")


def reuters_module(data_dir: Path, **kwargs) -> ReutersDataModule:
    return ReutersDataModule(
        "reuters10k", data_dir, input_dim=2000, num_classes=4, reconstruction="gaussian", **kwargs
    )


def test_test_split_is_seeded_stratified_and_configurable(tmp_path: Path) -> None:
    x, y = make_reuters(400)
    write_npy(tmp_path / "reuters10k" / "reutersidf10k.npy", x, y)
    first, again = reuters_module(tmp_path), reuters_module(tmp_path)
    other = reuters_module(tmp_path, split_seed=1, test_size=0.5)
    for module in (first, again, other):
        module.setup()
    assert len(first.split("test")[0]) == 80 and len(other.split("test")[0]) == 200
    assert len(first.split("all")[0]) == 400
    assert torch_equal(first.split("test")[0], again.split("test")[0])
    assert not torch_equal(first.split("test")[0][:80], other.split("test")[0][:80])
    test_counts = np.bincount(first.split("test")[1].numpy(), minlength=4)
    np.testing.assert_allclose(test_counts / 80, np.bincount(y) / 400, atol=0.02)


def torch_equal(a, b) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def make_rcv1(
    seed: int = 0, documents: int = 600, vocabulary: int = 300, density: float = 0.3
) -> Bunch:
    """RCV1's structure: sparse tf-idf rows, 103 binary topic columns, the 4 roots among them."""
    rng = np.random.default_rng(seed)
    data = scipy.sparse.random(documents, vocabulary, density=density, random_state=seed)
    data = data.tocsr() @ scipy.sparse.diags(rng.power(0.3, vocabulary))  # uneven frequencies
    data.eliminate_zeros()
    names = [f"T{i:03d}" for i in range(99)]
    names[5:5], topics = list(ROOT_TOPICS), np.zeros((documents, 103), dtype=np.uint8)
    roots = [names.index(t) for t in ROOT_TOPICS]
    kind = rng.integers(0, 6, documents)  # 0..3: that root only; 4: two roots; 5: none
    for i, k in enumerate(kind):
        if k < 4:
            topics[i, roots[k]] = 1
        elif k == 4:
            topics[i, [roots[0], roots[2]]] = 1
        topics[i, rng.integers(9, 103)] = 1  # some non-root topic
    return Bunch(
        data=data.tocsr(),
        target=scipy.sparse.csr_matrix(topics),
        target_names=np.array(names, dtype=object),
        kind=kind,
    )


def test_rcv1_recipe_follows_dec() -> None:
    rcv1 = make_rcv1()
    x, y = reuters_from_rcv1(rcv1.data, rcv1.target, rcv1.target_names, 250, 40, seed=3)
    assert x.shape == (250, 40) and x.dtype == np.float32 and y.dtype == np.int64
    single = np.flatnonzero(rcv1.kind < 4)
    dense = rcv1.data.toarray()[single]
    # the 40 terms present in most single-topic documents, in column order, rows l2-normalised
    # and scaled by sqrt(40) as DEC does
    terms = np.sort(np.argsort(-(dense != 0).sum(0), kind="stable")[:40])
    candidates = dense[:, terms]
    norms = np.linalg.norm(candidates, axis=1, keepdims=True)
    candidates = candidates / np.where(norms > 0, norms, 1.0) * np.sqrt(40)
    drawn = set()
    for row, label in zip(x, y, strict=True):
        hit = np.flatnonzero(np.abs(candidates - row).max(axis=1) < 1e-4)
        assert len(hit) >= 1, "every row is one single-topic document"
        assert rcv1.kind[single[hit]].tolist().count(label) >= 1  # CCAT..ECAT -> 0..3
        drawn.add(int(hit[0]))
    assert len(drawn) == 250  # drawn without replacement
    again, _ = reuters_from_rcv1(rcv1.data, rcv1.target, rcv1.target_names, 250, 40, seed=3)
    other, _ = reuters_from_rcv1(rcv1.data, rcv1.target, rcv1.target_names, 250, 40, seed=4)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, other)
    with pytest.raises(UserError, match="exactly one root topic"):
        reuters_from_rcv1(rcv1.data, rcv1.target, rcv1.target_names, len(single) + 1, 40)


@pytest.mark.slow
def test_build_caches_decs_npy_form(tmp_path: Path) -> None:
    rcv1 = make_rcv1(documents=16_000, vocabulary=2_050, density=0.02)
    calls = []

    def fetch(data_home: str, download_if_missing: bool) -> Bunch:
        calls.append((data_home, download_if_missing))
        return rcv1

    path = build_reuters10k(tmp_path / "reuters10k", fetch)
    assert path == tmp_path / "reuters10k" / "reutersidf10k.npy"
    assert calls == [(str(tmp_path / "reuters10k" / "rcv1"), True)]
    x, y = read_reuters_npy(path)
    assert x.shape == (10_000, 2_000) and set(np.unique(y)) == {0, 1, 2, 3}
    module = reuters_module(tmp_path)
    module.prepare_data()  # present now: nothing fetched again
    module.setup()
    assert len(module.split("all")[0]) == 10_000 and len(calls) == 1


def test_build_without_network_says_where_to_put_the_files(tmp_path: Path) -> None:
    def fetch(data_home: str, download_if_missing: bool) -> Bunch:
        raise OSError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(UserError, match=r"reuters10k.mat.*reutersidf10k.npy.*name resolution"):
        build_reuters10k(tmp_path / "reuters10k", fetch)
    module = reuters_module(tmp_path, build=False)
    with pytest.raises(UserError, match=r"missing from .*reuters10k.*dataset.build=false"):
        module.prepare_data()


def test_dataset_reuters10k_trains_on_a_generated_file(tmp_path: Path) -> None:
    x, y = make_reuters(300)
    write_mat(tmp_path / "data" / "reuters10k" / "reuters10k.mat", x, y)
    cfg = compose_config(
        [
            "dataset=reuters10k",
            f"paths.data_dir={tmp_path / 'data'}",
            "trainer.max_epochs=1",
            "+trainer.enable_progress_bar=false",
            "logger=csv",
        ],
        tmp_path / "run",
    )
    assert cfg.model.reconstruction == "gaussian" and cfg.model.num_clusters == 4
    assert list(cfg.model.net.encoder.hidden) == [500, 500, 2000]
    assert list(cfg.model.net.decoder.hidden) == [2000, 500, 500]
    results = train(cfg)
    assert results["dataset"] == "reuters10k" and results["num_clusters"] == 4
    for key in ("test/acc", "test/nmi", "all/acc", "all/nmi"):
        assert 0.0 <= results[key] <= 1.0
    assert (tmp_path / "run" / "results.json").exists()
