"""``python -m gmvae_lightning.report DIR...``: the paper-style table from run folders.

Reads every ``results.json`` under the given folders (single runs, multiruns, baselines),
groups runs by method (the ``experiment=`` a run was started with, else ``results["model"]``,
plus any parameter swept among that method's runs) and dataset, and writes mean ± std over
the runs (seeds) of ACC / NMI / ARI as Markdown and CSV. For each numeric swept parameter it
also plots the parameter against ACC and NMI. ``--page`` also writes ``docs/results.md``
(``results_page``).
"""

import argparse
import csv
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gmvae_lightning.cli import exit_on_user_error
from gmvae_lightning.errors import UserError

SCORES = ("acc", "nmi", "ari")
EXTRA = ("knn_error@3", "knn_error@5", "knn_error@10")
ROW_KEYS = {"seed", "dataset", "model", "baseline", "experiment"}
# overrides that do not change what a run learns
IGNORED_PREFIXES = ("callbacks", "logger", "hydra", "paths", "tags", "ckpt_path", "trainer.enable")


@dataclass
class Run:
    folder: Path
    results: dict
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.overrides.get("experiment") or str(self.results.get("model", "?"))

    @property
    def dataset(self) -> str:
        return str(self.results.get("dataset", "?"))


def parse_overrides(lines: Sequence[str]) -> dict[str, str]:
    """``["a.b=1", "+c=x"]`` → ``{"a.b": "1", "c": "x"}`` (Hydra's ``+``/``++``/``~`` dropped)."""
    parsed = {}
    for line in lines:
        key, _, value = str(line).partition("=")
        parsed[key.lstrip("+~")] = value
    return parsed


def read_runs(folders: Sequence[str | Path]) -> list[Run]:
    runs = []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            raise UserError(f"{folder} does not exist; pass run or multirun folders.")
        found = sorted(folder.rglob("results.json"))
        if not found:
            raise UserError(
                f"no results.json under {folder}; pass a run folder, a multirun folder or a "
                "folder holding several (train.py or baselines.py output)."
            )
        for path in found:
            try:
                results = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError) as error:
                raise UserError(f"{path} is not valid JSON ({error}).") from None
            overrides_file = path.parent / ".hydra" / "overrides.yaml"
            overrides = (
                parse_overrides(yaml.safe_load(overrides_file.read_text()) or [])
                if overrides_file.is_file()
                else {}
            )
            runs.append(Run(path.parent, results, overrides))
    return runs


def swept_parameters(runs: Sequence[Run]) -> dict[str, list[str]]:
    """Per method, the override keys (other than seed / dataset / model) whose value differs
    between its runs."""
    by_method: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_method[run.method].append(run)
    swept = {}
    for method, group in by_method.items():
        keys = sorted({key for run in group for key in run.overrides} - ROW_KEYS)
        keys = [key for key in keys if not key.startswith(IGNORED_PREFIXES)]
        swept[method] = [key for key in keys if len({run.overrides.get(key) for run in group}) > 1]
    return swept


def _number(text: str | None) -> float | str:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(text)


def row_label(run: Run, swept: dict[str, list[str]]) -> str:
    # only what this run set: the keys other runs of its method swept and it left alone are noise
    params = [f"{key}={run.overrides[key]}" for key in swept[run.method] if key in run.overrides]
    return f"{run.method} ({', '.join(params)})" if params else run.method


def mean_std(values: list[float]) -> tuple[float, float]:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return math.nan, math.nan
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    return statistics.fmean(values), std


def summarise(runs: Sequence[Run], split: str = "test") -> list[dict]:
    """One dict per (row, dataset): run count and mean / std of each score."""
    swept = swept_parameters(runs)
    groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in runs:
        groups[(row_label(run, swept), run.dataset)].append(run)

    def order(item: tuple[tuple[str, str], list[Run]]):
        (label, dataset), group = item
        run = group[0]
        values = tuple(_number(run.overrides.get(k)) for k in swept[run.method])
        return (run.method, tuple((isinstance(v, str), v) for v in values), label, dataset)

    rows = []
    for (label, dataset), group in sorted(groups.items(), key=order):
        row = {"method": label, "dataset": dataset, "runs": len(group)}
        for name in (*SCORES, *EXTRA):
            key = f"{split}/{name}" if name in SCORES else f"test/{name}"
            values = [run.results[key] for run in group if key in run.results]
            if values:
                row[f"{name}_mean"], row[f"{name}_std"] = mean_std(values)
        row["_runs"] = group
        rows.append(row)
    return rows


def _cell(row: dict, name: str) -> str:
    mean, std = row.get(f"{name}_mean", math.nan), row.get(f"{name}_std", math.nan)
    if math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if math.isnan(std) else f"{mean:.3f} ± {std:.3f}"


def markdown_table(rows: Sequence[dict], split: str) -> str:
    """Rows = method, columns = dataset × (ACC, NMI, ARI, runs)."""
    datasets = sorted({row["dataset"] for row in rows})
    methods = list(dict.fromkeys(row["method"] for row in rows))
    cells = {(row["method"], row["dataset"]): row for row in rows}
    header = ["method"] + [
        f"{d} {name}" for d in datasets for name in ("ACC", "NMI", "ARI", "runs")
    ]
    lines = [
        f"Scores on `{split}` (fractions), mean ± std over runs (seeds).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for method in methods:
        line = [method]
        for dataset in datasets:
            row = cells.get((method, dataset))
            if row is None:
                line += ["–"] * 4
            else:
                line += [_cell(row, name) for name in SCORES] + [str(row["runs"])]
        lines.append("| " + " | ".join(line) + " |")
    return "\n".join(lines) + "\n"


def write_csv(rows: Sequence[dict], path: Path) -> None:
    columns = ["method", "dataset", "runs"] + [
        f"{name}_{stat}" for name in (*SCORES, *EXTRA) for stat in ("mean", "std")
    ]
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            values = [row.get(c, "") for c in columns]
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in values])


def sweep_plots(runs: Sequence[Run], split: str, folder: Path) -> list[Path]:
    """For each numeric swept parameter: the parameter against mean ± std ACC and NMI, one line
    per (method, dataset)."""
    from gmvae_lightning.figures import plt

    swept = swept_parameters(runs)
    paths = []
    for key in sorted({k for keys in swept.values() for k in keys}):
        series: dict[tuple[str, str], dict[float, list[Run]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for run in runs:
            value = _number(run.overrides.get(key))
            if key in swept[run.method] and isinstance(value, float):
                series[(run.method, run.dataset)][value].append(run)
        if not series:
            continue
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        for (method, dataset), points in sorted(series.items()):
            xs = sorted(points)
            for ax, name in zip(axes, ("acc", "nmi"), strict=True):
                stats = [
                    mean_std([r.results.get(f"{split}/{name}", math.nan) for r in points[x]])
                    for x in xs
                ]
                means = [m for m, _ in stats]
                errors = [0.0 if math.isnan(s) else s for _, s in stats]
                ax.errorbar(
                    xs, means, yerr=errors, marker="o", capsize=3, label=f"{method} / {dataset}"
                )
                ax.set_xlabel(key)
                ax.set_ylabel(f"{split} {name.upper()}")
        if len(xs) > 2 and min(xs) > 0 and max(xs) / min(xs) >= 8:
            for ax in axes:
                ax.set_xscale("log")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        path = folder / f"sweep_{key.replace('/', '_')}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths


def report(folders: Sequence[str | Path], out: Path | None = None, split: str = "test") -> Path:
    """Write ``report.md``, ``report.csv`` and sweep plots into ``out``; returns ``out``."""
    if split not in ("test", "all"):
        raise UserError(f"--split must be 'test' or 'all', got {split!r}.")
    runs = read_runs(folders)
    out = (
        Path(out) if out else (Path(folders[0]) / "report" if len(folders) == 1 else Path("report"))
    )
    out.mkdir(parents=True, exist_ok=True)
    rows = summarise(runs, split)
    table = markdown_table(rows, split)
    plots = sweep_plots(runs, split, out)
    text = table + "".join(f"\n![{p.stem}]({p.name})\n" for p in plots)
    (out / "report.md").write_text(text)
    write_csv(rows, out / "report.csv")
    print(table)
    print(f"wrote {out / 'report.md'}, {out / 'report.csv'}" + "".join(f", {p}" for p in plots))
    return out


@exit_on_user_error
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gmvae_lightning.report", description=__doc__)
    parser.add_argument("folders", nargs="+", help="run folders, multirun folders, or parents")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: DIR/report)"
    )
    parser.add_argument("--split", default="test", help="'test' (default) or 'all' (train + test)")
    parser.add_argument(
        "--page", type=Path, default=None, help="also write the results page (docs/results.md)"
    )
    parser.add_argument(
        "--archive-to",
        type=Path,
        default=None,
        help="first copy each run's results, overrides and final figures here, then report on it",
    )
    args = parser.parse_args(argv)
    folders = args.folders
    if args.archive_to is not None:
        from gmvae_lightning.results_page import archive_runs

        archive_runs([Path(folder) for folder in folders], args.archive_to)
        folders = [args.archive_to]
    report(folders, args.out, args.split)
    if args.page is not None:
        from gmvae_lightning.results_page import write_page

        write_page(Path(folders[0]), args.page, args.split)
        print(f"wrote {args.page}")


if __name__ == "__main__":
    main()
