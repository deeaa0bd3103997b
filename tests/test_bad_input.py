"""Each bad input: a non-zero exit and one clear message, no Python traceback.

Most cases run the real ``train.py`` Hydra app in this process (``runpy``, as ``__main__``);
a few run it as a subprocess to prove what a user's terminal shows.
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import REPO, SHARED_DATA
from hydra.core.global_hydra import GlobalHydra

BASE = [
    "dataset=digits",
    "trainer.max_epochs=1",
    "+trainer.enable_progress_bar=false",
    "logger=csv",
    f"paths.data_dir={SHARED_DATA}",
]


def run_in_process(script: str, args: list[str], monkeypatch, capsys) -> tuple[int, str]:
    """``python script args`` in this process; returns the exit code and stderr.

    Hydra's logging handlers are switched off: they would outlive pytest's captured stderr.
    """
    GlobalHydra.instance().clear()
    quiet = ["hydra/job_logging=disabled", "hydra/hydra_logging=disabled"]
    monkeypatch.setattr(sys, "argv", [script, *args, *quiet])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(REPO / script), run_name="__main__")
    GlobalHydra.instance().clear()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def run_subprocess(script: str, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "WANDB_MODE": "offline"}
    env.pop("HYDRA_FULL_ERROR", None)
    command = [sys.executable, str(REPO / script), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def train_cli(tmp_path, monkeypatch, capsys):
    def run(*overrides: str) -> tuple[int, str]:
        args = [*BASE, f"hydra.run.dir={tmp_path / 'run'}", *overrides]
        return run_in_process("train.py", args, monkeypatch, capsys)

    return run


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("model=nope", ["Could not find 'model/nope'", "simple", "gmvae"]),
        ("temperature=nope", ["Could not find 'temperature/nope'", "exponential", "constant"]),
    ],
)
def test_unknown_config_names_list_the_choices(train_cli, override, expected):
    code, message = train_cli(override)
    assert code == 1
    assert all(text in message for text in expected), message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["model.latent_dim=0"], "model.latent_dim must be at least 1, got 0"),
        (["model.latent_dim=-3"], "model.latent_dim must be at least 1, got -3"),
        (["model.num_clusters=1"], "model.num_clusters must be at least 2, got 1"),
        (["temperature.initial=0"], "must be > 0, got 0 and 0.5"),
        (["temperature=constant", "temperature.value=-1"], "temperature.value must be > 0"),
        (["temperature.minimum=2"], "minimum (2) is above temperature.initial (1.0)"),
        (["dataset.batch_size=0"], "dataset.batch_size must be >= 1, got 0"),
        (["dataset.batch_size=5000"], "larger than the training set (1293 samples)"),
        (["trainer.devices=4096"], "asks for 4096 devices but this machine has"),
        (["ckpt_path=/nonexistent/last.ckpt"], "checkpoint /nonexistent/last.ckpt does not exist"),
        (["hydra.run.dir=/etc/hostname/run"], "/etc/hostname is a file, not a folder"),
        (["trainer.max_epochs=["], "cannot parse the override 'trainer.max_epochs=['"),
        (["model.net.categorical_kl=batch"], "model.net.categorical_kl must be one of"),
        (["restarts.count=0"], "restarts.count must be >= 1 (1 = no selection), got 0"),
        (["restarts.count=3", "restarts.epochs=0"], "restarts.epochs must be >= 1"),
        (["restarts.count=2", "trainer.devices=2"], "set trainer.devices=1, or restarts.count=1"),
        (["restarts.count=2"], "restarts.count=2 and warm_start both choose the starting"),
        (["warm_start.epochs=0"], "warm_start needs n_init >= 1, epochs >= 1"),
    ],
)
def test_bad_values_exit_2_with_one_message(train_cli, overrides, expected):
    code, message = train_cli(*overrides)
    assert code == 2
    last_line = message.strip().splitlines()[-1]  # library warnings may come before it
    assert last_line.startswith("error: ") and expected in last_line, message
    assert "Traceback" not in message


def test_a_gpu_request_on_a_machine_without_one(train_cli):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")  # the CI machine has none
    code, message = train_cli("trainer.accelerator=gpu")
    assert code == 2 and "no CUDA GPU" in message and "trainer.accelerator=cpu" in message


def test_a_file_that_is_not_a_checkpoint(train_cli, tmp_path):
    (tmp_path / "notes.ckpt").write_text("not a checkpoint")
    code, message = train_cli(f"ckpt_path={tmp_path / 'notes.ckpt'}")
    assert code == 2 and "is not a readable checkpoint" in message


def test_a_checkpoint_of_another_input_size_is_refused_on_resume(train_cli, tmp_path):
    from conftest import compose_config

    from gmvae_lightning.train import build_module

    mnist = build_module(compose_config(["dataset=mnist"], tmp_path / "mnist"))
    payload = {"state_dict": mnist.state_dict(), "run_config": mnist.run_config}
    torch.save(payload, tmp_path / "mnist.ckpt")
    code, message = train_cli(f"ckpt_path={tmp_path / 'mnist.ckpt'}")
    assert code == 2 and "model of another size" in message and "784" in message


def test_predict_without_arguments_says_what_to_pass(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, message = run_in_process("predict.py", [], monkeypatch, capsys)
    assert code == 2 and "ckpt_path is required" in message and "input=" in message
    assert not any(Path(tmp_path).iterdir())  # no run folder, no .hydra/


@pytest.mark.slow
def test_the_terminal_shows_one_message_and_no_traceback(tmp_path):
    unknown = run_subprocess("train.py", ["dataset=nope", f"hydra.run.dir={tmp_path}"])
    assert unknown.returncode == 1
    assert "Could not find 'dataset/nope'" in unknown.stderr and "digits" in unknown.stderr
    assert "Traceback" not in unknown.stderr + unknown.stdout

    bad = run_subprocess("train.py", [*BASE, "model.latent_dim=0", f"hydra.run.dir={tmp_path}"])
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: model.latent_dim must be at least 1, got 0."

    missing = tmp_path / "missing.ckpt"
    args = [f"ckpt_path={missing}", "input=x.npy", f"output={tmp_path / 'o.csv'}"]
    predicted = run_subprocess("predict.py", args)
    assert predicted.returncode == 2
    assert predicted.stderr.strip().startswith(f"error: checkpoint {missing} does not exist")
    assert "Traceback" not in predicted.stderr
