"""A sweep's results on disk: summary.json, CSV tables and a PNG bar chart with error bars."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from sashell.core.files import write_json_atomic, write_text_atomic
from sashell.core.sweep.summary import CellOutcome


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def rate_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for condition in summary["conditions"]:
        for metric, rate in condition["rates"].items():
            low, high = rate["ci95"]
            rows.append({"model": condition["model"], "tier": condition["tier"], "metric": metric,
                         "k": rate["k"], "n": rate["n"], "rate": rate["rate"],
                         "ci95_low": low, "ci95_high": high, "failed": condition["failed"]})
    return rows


def gap_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"model": g["model"], "metric": g["metric"], "free_k": g["free"]["k"],
             "free_n": g["free"]["n"], "paid_k": g["paid"]["k"], "paid_n": g["paid"]["n"],
             "gap": g["gap"], "ci95_low": g["ci95"][0], "ci95_high": g["ci95"][1],
             "method": g["method"], "mcnemar_p": g.get("mcnemar_p"),
             "pairs": (g.get("paired") or {}).get("pairs"),
             "paired_ci95_low": ((g.get("paired") or {}).get("bootstrap_ci95") or [None, None])[0],
             "paired_ci95_high": ((g.get("paired") or {}).get("bootstrap_ci95") or [None, None])[1]}
            for g in summary["gaps"]]


def score_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**s, "ci95_low": (s["ci95"] or [None, None])[0],
             "ci95_high": (s["ci95"] or [None, None])[1]} for s in summary["scores"]]


def plot_rates(summary: dict[str, Any], path: Path) -> bool:
    """Grouped bars (metric × condition) with Wilson 95% error bars; False when nothing to plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = [c for c in summary["conditions"] if c["n"]]
    metrics = [m for m in summary["metrics"] if any(c["rates"][m]["k"] for c in conditions)]
    if not conditions or not metrics:
        return False
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(metrics) * max(1, len(conditions)) / 2), 4))
    width = 0.8 / len(conditions)
    for index, condition in enumerate(conditions):
        values = [condition["rates"][m]["rate"] or 0.0 for m in metrics]
        errors = [[v - condition["rates"][m]["ci95"][0] for m, v in zip(metrics, values, strict=True)],
                  [condition["rates"][m]["ci95"][1] - v for m, v in zip(metrics, values, strict=True)]]
        xs = [i + (index - (len(conditions) - 1) / 2) * width for i in range(len(metrics))]
        ax.bar(xs, values, width, yerr=errors, capsize=3,
               label=f"{condition['model']} · {condition['tier']} (n={condition['n']})")
    ax.set_xticks(range(len(metrics)), [m.replace("_", " ") for m in metrics])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of replies (Wilson 95% CI)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)
    return True


def write_outputs(out_dir: Path, summary: dict[str, Any], outcomes: list[CellOutcome],
                  plot: bool = True) -> list[Path]:
    written = [out_dir / "summary.json", out_dir / "rates.csv", out_dir / "cells.csv"]
    write_json_atomic(written[0], summary)
    write_text_atomic(written[1], _csv(rate_rows(summary), ["model", "tier", "metric", "k", "n", "rate",
                                                      "ci95_low", "ci95_high", "failed"]))
    cell_rows = [o.row() for o in outcomes]
    write_text_atomic(written[2], _csv(cell_rows, list(cell_rows[0]) if cell_rows else ["key"]))
    gaps = gap_rows(summary)
    if gaps:
        written.append(out_dir / "gaps.csv")
        write_text_atomic(written[-1], _csv(gaps, list(gaps[0])))
    if summary["scores"]:
        written.append(out_dir / "scores.csv")
        write_text_atomic(written[-1], _csv(score_rows(summary),
                                      ["probe", "model", "tier", "answered", "dropped", "mean",
                                       "sd", "ci95_low", "ci95_high"]))
    if plot and plot_rates(summary, out_dir / "rates.png"):
        written.append(out_dir / "rates.png")
    return written
