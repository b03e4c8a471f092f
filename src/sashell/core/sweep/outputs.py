"""A sweep's results on disk: summary.json, CSV tables and a PNG bar chart with error bars."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sashell.core.files import write_atomic, write_json_atomic, write_text_atomic
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


def letter_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"model": c["model"], "tier": c["tier"], "line": line["line"],
             "expected": line["expected"], "n": line["n"], "mean": line["mean"],
             "ci95_low": (line["ci95"] or [None, None])[0],
             "ci95_high": (line["ci95"] or [None, None])[1]}
            for c in summary.get("letters_by_line") or [] for line in c["lines"]]


def plot_letters(summary: dict[str, Any], path: Path, title: str = "") -> bool:
    """P(expected letter) by line of the target word, one line per condition, with 95%
    intervals. False when the lens read nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = [c for c in summary.get("letters_by_line") or [] if c["read"]]
    if not conditions:
        return False
    with plt.rc_context({"text.parse_math": False}):
        fig, ax = plt.subplots(figsize=(7.0, 4.2))
        for index, condition in enumerate(conditions):
            points = [line for line in condition["lines"] if line["mean"] is not None]
            xs = [line["line"] + 1 + (index - (len(conditions) - 1) / 2) * 0.06 for line in points]
            means = [line["mean"] for line in points]
            low = [m - (line["ci95"] or [m, m])[0] for m, line in zip(means, points, strict=True)]
            high = [(line["ci95"] or [m, m])[1] - m for m, line in zip(means, points, strict=True)]
            ax.errorbar(xs, means, yerr=[low, high], marker="o", capsize=3,
                        label=f"{condition['model']} · {condition['tier']} (n={condition['read']})")
        target = conditions[0]["target"]
        ax.set_xticks(range(1, len(target) + 1), [f"{i + 1}\n{c}" for i, c in enumerate(target)])
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("line of the reply (expected letter)")
        ax.set_ylabel("P(line starts with the expected letter), 95% CI")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _save(fig, path, title)
    return True


def plot_rates(summary: dict[str, Any], path: Path, title: str = "") -> bool:
    """Per condition (model · tier, a model's tiers side by side): the labels of each
    one-label-per-reply annotator (compliance) as a stacked bar, every label shown, with the
    Wilson 95% interval of the share up to each boundary; beside it the other flags as grouped
    bars with Wilson intervals. Titled with the sweep's condition; legends outside the bars.
    False when there is nothing to plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = [c for c in summary["conditions"] if c["n"]]
    if not conditions:
        return False
    # names and titles come from outside (registry, probe sets): "$…$" is text, never mathtext
    with plt.rc_context({"text.parse_math": False}):
        _draw(summary, conditions, path, title)
    return True


def _draw(summary: dict[str, Any], conditions: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib.pyplot as plt

    from sashell.core.annotate.registry import registry
    from sashell.core.stats import wilson

    known = [m for m in summary["metrics"] if all(m in c["rates"] for c in conditions)]
    stacked = [m.name for cls in registry().classes if cls.exclusive for m in cls.metrics
               if m.name in known]
    others = [m for m in known if m not in stacked and any(c["rates"][m]["k"] for c in conditions)]
    names = [f"{c['model']}\n{c['tier']} (n={c['n']})" for c in conditions]
    panels = 1 + bool(others)
    fig, axes = plt.subplots(1, panels, figsize=(max(6.0, 1.3 * len(conditions) * panels + 2), 4.8),
                             squeeze=False)
    colours = [plt.get_cmap("tab10")(i) for i in range(10)]
    if stacked:
        ax = axes[0][0]
        bottoms = [0.0] * len(conditions)
        for index, metric in enumerate(stacked):
            shares = [c["rates"][metric]["k"] / c["n"] for c in conditions]
            ax.bar(range(len(conditions)), shares, 0.6, bottom=bottoms, label=metric,
                   color=colours[index % len(colours)])
            bottoms = [b + v for b, v in zip(bottoms, shares, strict=True)]
            if index < len(stacked) - 1:  # the share up to this boundary, with its interval
                counts = [sum(c["rates"][m]["k"] for m in stacked[:index + 1]) for c in conditions]
                levels = [k / c["n"] for k, c in zip(counts, conditions, strict=True)]
                low_high = [wilson(k, c["n"]) for k, c in zip(counts, conditions, strict=True)]
                ax.errorbar(range(len(conditions)), levels,
                            yerr=[[v - lo for v, (lo, _) in zip(levels, low_high, strict=True)],
                                  [hi - v for v, (_, hi) in zip(levels, low_high, strict=True)]],
                            fmt="none", ecolor="black", capsize=3, linewidth=1)
        rest = [1 - b for b in bottoms]  # replies with no label of these (no badge, failed)
        if any(r > 1e-9 for r in rest):
            ax.bar(range(len(conditions)), rest, 0.6, bottom=bottoms, color="#dddddd",
                   label="no label (not a request, empty)")
        ax.set_xticks(range(len(conditions)), names, fontsize="small")
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of replies (Wilson 95% CI at each boundary)")
        ax.set_title("compliance label", fontsize="medium")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if others or not stacked:
        ax = axes[0][-1]
        metrics = others or known
        width = 0.8 / len(conditions)
        for index, condition in enumerate(conditions):
            values = [condition["rates"][m]["rate"] or 0.0 for m in metrics]
            errors = [[v - condition["rates"][m]["ci95"][0] for m, v in zip(metrics, values, strict=True)],
                      [condition["rates"][m]["ci95"][1] - v for m, v in zip(metrics, values, strict=True)]]
            xs = [i + (index - (len(conditions) - 1) / 2) * width for i in range(len(metrics))]
            ax.bar(xs, values, width, yerr=errors, capsize=3, color=colours[index % len(colours)],
                   label=names[index].replace("\n", " · "))
        ax.set_xticks(range(len(metrics)), [m.replace("_", " ") for m in metrics],
                      fontsize="small")
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of replies flagged (Wilson 95% CI)")
        ax.set_title("other flags", fontsize="medium")
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _save(fig, path, title)


def _save(fig: Any, path: Path, title: str) -> None:
    """Title, lay out and write a figure as PNG (atomically), and free it."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    try:
        write_atomic(path, lambda handle: fig.savefig(handle, format="png", dpi=120,
                                                      bbox_inches="tight"))
    finally:
        plt.close(fig)


def write_outputs(out_dir: Path, summary: dict[str, Any], outcomes: list[CellOutcome],
                  plot: bool = True, title: str = "") -> list[Path]:
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
    expected = summary.get("expected_scores") or []
    if expected:
        written.append(out_dir / "expected_scores.csv")
        write_text_atomic(written[-1], _csv(expected, ["probe", "model", "tier", "scale", "read",
                                                       "expected", "mass", "exact",
                                                       "gap_free_minus_paid"]))
    letters = letter_rows(summary)
    if letters:
        written.append(out_dir / "letters.csv")
        write_text_atomic(written[-1], _csv(letters, list(letters[0])))
        if plot and plot_letters(summary, out_dir / "letters.png", title):
            written.append(out_dir / "letters.png")
    if plot and plot_rates(summary, out_dir / "rates.png", title):
        written.append(out_dir / "rates.png")
    return written
