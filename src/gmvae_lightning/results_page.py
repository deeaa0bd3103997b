"""``docs/results.md`` from archived run folders: our tables beside the poster's, and figures.

``python -m gmvae_lightning.report RUNS --page docs/results.md`` writes it. RUNS holds one
folder per experiment (``paper_mnist/``, ``best_mnist/``, ``baselines_mnist/`` …), each with
one run folder per seed. ``archive_runs`` copies what the page needs out of full run folders
(``results.json``, the Hydra overrides, the final figures), so the page can be rebuilt from a
few kilobytes kept in the repository.
"""

import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from gmvae_lightning.report import Run, mean_std, read_runs, summarise

# The poster's published numbers (percent), "±" over the authors' runs; see ../shared/paper.md.
POSTER = {
    "mnist": {"acc": (85.75, 8), "nmi": (82.13, 5)},
    "usps": {"acc": (72.58, 3), "nmi": (65.48, 1)},
    "reuters10k": {"acc": (76.74, 6), "nmi": (52.42, 5)},
}
POSTER_KNN = {"paper (poster)": (3.46, 3.30, 3.44), "VaDE (poster)": (2.20, 2.14, 2.22)}
# the final figure of each kind a run writes (plots/...), and the name it gets on the page
FIGURES = {
    "generation/clusters": "generated digits, one row per cluster",
    "generation/style": "style generation: one z per row, every cluster across",
    "latent/tsne_strip": "latent space (t-SNE of the mean of q(z|x)) over the epochs",
}
ARCHIVED = ("results.json", ".hydra/overrides.yaml")


def archive_runs(sources: Sequence[Path], destination: Path) -> None:
    """Copy each run's results, overrides and final figures to ``destination/<name>/``."""
    for source in sources:
        for results in sorted(Path(source).rglob("results.json")):
            run = results.parent
            target = destination / run.relative_to(Path(source).parent)
            for name in ARCHIVED:
                if (run / name).is_file():
                    (target / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(run / name, target / name)
            for stem in FIGURES:
                figure = final_figure(run, stem)
                if figure is not None:
                    (target / "plots").mkdir(parents=True, exist_ok=True)
                    shutil.copy2(figure, target / "plots" / f"{stem.replace('/', '_')}.png")


def final_figure(run: Path, stem: str) -> Path | None:
    """``plots/<stem>.png`` or the latest ``plots/<stem>_epoch_NNN.png`` of a run folder."""
    flat = run / "plots" / f"{stem.replace('/', '_')}.png"
    if flat.is_file():
        return flat
    final = run / "plots" / f"{stem}.png"
    if final.is_file():
        return final
    epochs = sorted(final.parent.glob(f"{final.stem}_epoch_*.png"))
    return epochs[-1] if epochs else None


def _percent(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "–"
    return f"{100 * mean:.2f}" + ("" if math.isnan(std) else f" ± {100 * std:.2f}")


def _column(runs: Sequence[Run], key: str) -> str:
    return _percent(*mean_std([run.results.get(key, math.nan) for run in runs]))


def _epochs(runs: Sequence[Run]) -> str:
    """The epoch counts of a row's runs, ``20`` or ``10/20``; ``–`` when none is recorded."""
    return "/".join(map(str, sorted({run.results.get("epochs") for run in runs} - {None}))) or "–"


def command(runs: Sequence[Run]) -> str:
    """One ``train.py``/``baselines.py`` command that regenerates a row's runs."""
    shared = [
        f"{key}={value}"
        for key, value in runs[0].overrides.items()
        if key not in ("seed", "hydra.run.dir")
        and all(run.overrides.get(key) == value for run in runs)
    ]
    seeds = sorted({str(run.results.get("seed")) for run in runs}, key=str)
    script = "baselines.py" if "baseline" in runs[0].overrides else "train.py"
    multirun = "-m " if len(seeds) > 1 else ""
    return f"python {script} {multirun}{' '.join(shared)} seed={','.join(seeds)}"


def headline(rows: Sequence[dict]) -> list[str]:
    lines = [
        "| dataset | method | runs | epochs | test ACC | test NMI | all ACC | all NMI "
        "| train time (min, mean) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset in sorted({row["dataset"] for row in rows}):
        if dataset in POSTER:
            acc, nmi = POSTER[dataset]["acc"], POSTER[dataset]["nmi"]
            lines.append(
                f"| {dataset} | **paper (poster)** | – | – | {acc[0]} ± {acc[1]} "
                f"| {nmi[0]} ± {nmi[1]} | – | – | – |"
            )
        for row in (r for r in rows if r["dataset"] == dataset):
            runs = row["_runs"]
            minutes = mean_std([run.results.get("train_time_s", math.nan) / 60 for run in runs])
            time = "–" if math.isnan(minutes[0]) else f"{minutes[0]:.1f}"
            lines.append(
                f"| {dataset} | {row['method']} | {len(runs)} "
                f"| {_epochs(runs)} "
                f"| {_column(runs, 'test/acc')} | {_column(runs, 'test/nmi')} "
                f"| {_column(runs, 'all/acc')} | {_column(runs, 'all/nmi')} | {time} |"
            )
    return lines


def knn_table(rows: Sequence[dict]) -> list[str]:
    lines = ["| method | runs | k = 3 | k = 5 | k = 10 |", "|---|---|---|---|---|"]
    for name, errors in POSTER_KNN.items():
        lines.append(f"| {name} | – | " + " | ".join(f"{e:.2f}" for e in errors) + " |")
    for row in rows:
        runs = [r for r in row["_runs"] if "test/knn_error@3" in r.results]
        if row["dataset"] == "mnist" and runs:
            cells = [_column(runs, f"test/knn_error@{k}") for k in (3, 5, 10)]
            lines.append(f"| {row['method']} | {len(runs)} | " + " | ".join(cells) + " |")
    return lines


def figures(rows: Sequence[dict], page: Path) -> list[str]:
    """The first run (lowest seed) of each row that has figures: its final ones, linked."""
    lines: list[str] = []
    for row in rows:
        runs = sorted(row["_runs"], key=lambda run: str(run.results.get("seed")))
        for run in runs:
            found = [(stem, final_figure(run.folder, stem)) for stem in FIGURES]
            found = [(stem, path) for stem, path in found if path is not None]
            if not found:
                continue
            lines += [f"### {row['method']} ({row['dataset']}, seed {run.results.get('seed')})", ""]
            for stem, path in found:
                link = Path(os.path.relpath(path, page.parent)).as_posix()
                lines += [f"{FIGURES[stem]}:", "", f"![{stem}]({link})", ""]
            break
    return lines


def sweep_table(rows: Sequence[dict]) -> list[str]:
    lines = [
        "| dataset | setting | runs | epochs | test ACC | test NMI | test KL(c) (nats) "
        "| test KL(z) (nats) | largest cluster |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        runs = row["_runs"]
        nats = [
            f"{mean_std([run.results.get(key, math.nan) for run in runs])[0]:.2f}"
            for key in ("test/kl_categorical", "test/kl_gaussian", "test/largest_cluster")
        ]
        lines.append(
            f"| {row['dataset']} | {row['method']} | {len(runs)} "
            f"| {_epochs(runs)} | {_column(runs, 'test/acc')} "
            f"| {_column(runs, 'test/nmi')} | " + " | ".join(nats) + " |"
        )
    return lines


def write_page(root: Path, page: Path, split: str = "test") -> str:
    """Builds the Markdown page from the run groups (sub-folders) of ``root``; writes it.

    Folders named ``sweep_*`` go to the sweep table, every other one to the main table.
    """
    groups = sorted(
        folder
        for folder in Path(root).iterdir()
        if folder.is_dir() and any(folder.rglob("results.json"))
    )
    rows, sweeps = [], []
    for folder in groups:
        summary = summarise(read_runs([folder]), split)
        (sweeps if folder.name.startswith("sweep_") else rows).extend(summary)
    lines = [
        "# Results",
        "",
        f"Generated by `python -m gmvae_lightning.report {root.as_posix()} --page "
        f"{page.as_posix()}` from the run folders archived under `{root.as_posix()}` "
        "(results, overrides, final figures). Do not edit by hand; how these runs were chosen "
        "and what they show is in `docs/reproduction.md`. Measurements made before this "
        "archive existed, with their commands (the sweep that set the default `w_gauss`, the "
        "digits runs against k-means), are in `docs/foundation.md`.",
        "",
        "Percent. `test` is the official test split, `all` train + test (DEC / VaDE protocol); "
        "mean ± std over runs (seeds). Poster rows are the published numbers.",
        "",
        "## Clustering",
        "",
        *headline(rows),
        "",
        "## Sweeps",
        "",
        *(sweep_table(sweeps) if sweeps else ["(none archived)"]),
        "",
        "## kNN test error on the latent means (MNIST, percent)",
        "",
        *knn_table(rows),
        "",
        "## Commands",
        "",
        *[
            f"- {row['method']} / {row['dataset']}: `{command(row['_runs'])}`"
            for row in (*rows, *sweeps)
        ],
        "",
        "## Figures",
        "",
        *figures(rows, page),
    ]
    text = "\n".join(lines).rstrip() + "\n"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    return text
