"""Rich renderings of a sweep's summary, shared by `sashell sweep` and the TUI's results view."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from sashell.core.annotate.registry import registry
from sashell.present.lens import pressure_bar
from sashell.present.render import safe_text

BAR_WIDTH = 20


def _rate_cell(rate: dict[str, Any]) -> Text:
    if not rate["n"]:
        return Text("–", style="dim")
    low, high = rate["ci95"]
    text = Text(f"{rate['k']}/{rate['n']} ", style="bold" if rate["k"] else "")
    text.append(f"{rate['rate']:.0%}", style="bold cyan" if rate["k"] else "dim")
    text.append(f" [{low:.0%}–{high:.0%}]", style="dim")
    return text


def shown_metrics(summary: dict[str, Any]) -> list[str]:
    """Gap metrics' annotator's metrics (the compliance labels) always; the others, and
    per-run metrics such as per-target acrostic words, when any cell has them."""
    names = list(summary["metrics"])
    extra = {name for c in summary["conditions"] for name in c["rates"] if name not in names}
    names += sorted(extra)
    always = {m.name for cls in registry().classes if cls.gap_metrics for m in cls.metrics}
    return [m for m in names if m in always
            or any(c["rates"].get(m, {}).get("k") for c in summary["conditions"])]


def rates_table(summary: dict[str, Any]) -> Table:
    metrics = shown_metrics(summary)
    table = Table(title="rates per model × tier (Wilson 95% CI)", title_justify="left")
    table.add_column("model · tier")
    table.add_column("n", justify="right")
    for metric in metrics:
        table.add_column(metric.replace("_", " "))
    for condition in summary["conditions"]:
        label = Text(safe_text(f"{condition['model']} · {condition['tier']}"))
        if condition["failed"]:
            label.append(f"  ({condition['failed']} failed)", style="red")
        table.add_row(label, str(condition["n"]),
                      *(_rate_cell(condition["rates"][m]) if m in condition["rates"]
                        else Text("–", style="dim") for m in metrics))
    return table


def gaps_table(summary: dict[str, Any]) -> Table | None:
    if not summary["gaps"]:
        return None
    table = Table(title="tier gaps, free − paid (Newcombe 95% CI; paired: same probe and seed, "
                        "McNemar exact p, bootstrap 95% CI)", title_justify="left")
    for column in ("model", "metric", "free", "paid", "gap", "paired"):
        table.add_column(column)
    for gap in summary["gaps"]:
        low, high = gap["ci95"]
        excludes_zero = low > 0 or high < 0
        table.add_row(safe_text(gap["model"]), safe_text(gap["metric"].replace("_", " ")),
                      _rate_cell(gap["free"]), _rate_cell(gap["paid"]),
                      Text(f"{100 * gap['gap']:+.0f} points [{100 * low:+.0f}, {100 * high:+.0f}]",
                           style="bold" if excludes_zero else ""),
                      _paired_cell(gap.get("paired"), "free", "paid"))
    return table


def _paired_cell(paired: dict[str, Any] | None, first: str, second: str) -> Text:
    if not paired or not paired["pairs"]:
        return Text("–", style="dim")
    low, high = paired["bootstrap_ci95"]
    p = paired["mcnemar_p"]
    return Text(f"{paired['pairs']} pairs, {paired[f'{first}_only']} {first}-only / "
                f"{paired[f'{second}_only']} {second}-only, p={p:.2g}, "
                f"[{100 * low:+.0f}, {100 * high:+.0f}]", style="bold" if p < 0.05 else "")


def flips_text(summary: dict[str, Any], limit: int = 8) -> Text | None:
    """The probes whose outcome differs between free and paid at the same seed."""
    lines = []
    for gap in summary["gaps"]:
        paired = gap.get("paired") or {}
        if not paired.get("flips"):
            continue
        probes: dict[str, int] = {}
        for flip in paired["flips"]:
            probes[flip["probe"]] = probes.get(flip["probe"], 0) + 1
        listed = ", ".join(f"{probe} ×{count}" for probe, count in
                           sorted(probes.items(), key=lambda item: -item[1])[:limit])
        lines.append(f"{gap['model']} {gap['metric']}: {paired['flips_total']} flips "
                     f"(probe × seeds) — {listed}")
    if not lines:
        return None
    return Text(safe_text("flips between free and paid:\n" + "\n".join(lines)), style="dim")


def model_differences_table(summary: dict[str, Any]) -> Table | None:
    rows = summary.get("model_differences") or []
    if not rows:
        return None
    table = Table(title="models vs the first model, same tier, probe and seed (paired)",
                  title_justify="left")
    for column in ("tier", "model", "reference", "metric", "difference", "paired"):
        table.add_column(column)
    for row in rows:
        table.add_row(safe_text(row["tier"]), safe_text(row["model"]), safe_text(row["reference"]),
                      safe_text(row["metric"].replace("_", " ")),
                      f"{100 * (row['difference'] or 0):+.0f} points",
                      _paired_cell(row, "model", "reference"))
    return table


def scores_table(summary: dict[str, Any]) -> Table | None:
    if not summary["scores"]:
        return None
    table = Table(title="numeric self-reports (non-numeric answers dropped and counted)",
                  title_justify="left")
    for column in ("probe", "model · tier", "mean", "95% CI", "answered", "dropped"):
        table.add_column(column)
    for score in summary["scores"]:
        ci = score["ci95"]
        table.add_row(safe_text(score["probe"]), safe_text(f"{score['model']} · {score['tier']}"),
                      "–" if score["mean"] is None else f"{score['mean']:.1f}",
                      f"{ci[0]:.1f}–{ci[1]:.1f}" if ci else "–",
                      str(score["answered"]), str(score["dropped"]))
    return table


def expected_scores_table(summary: dict[str, Any]) -> Table | None:
    """`--logprobs`: one expected score per probe and condition, read from probabilities."""
    rows = summary.get("expected_scores") or []
    if not rows:
        return None
    table = Table(title="expected self-reports (probability-weighted over number answers; "
                        "– when under a quarter of the mass is on numbers)",
                  title_justify="left")
    gaps = any(row.get("gap_free_minus_paid") is not None for row in rows)
    for column in ("probe", "model · tier", "expected", "mass on numbers",
                   *(["free − paid"] if gaps else []), "read"):
        table.add_column(column)
    for row in rows:
        gap = row.get("gap_free_minus_paid")
        table.add_row(safe_text(row["probe"]), safe_text(f"{row['model']} · {row['tier']}"),
                      "–" if row["expected"] is None else f"{row['expected']:.1f}",
                      "–" if row["mass"] is None else f"{row['mass']:.2f}",
                      *([("" if gap is None else f"{gap:+.1f}")] if gaps else []),
                      ("exact" if row["exact"] else "top-k") if row["read"] else "missing")
    return table


def letters_table(summary: dict[str, Any]) -> Table | None:
    """The lens over the sweep: P(expected letter) by line, per condition, as a text chart."""
    conditions = [c for c in summary.get("letters_by_line") or [] if c["read"]]
    if not conditions:
        return None
    target = conditions[0]["target"]
    table = Table(title=f"lens: P(line starts with its {safe_text(target)} letter), mean over "
                        "replies (95% CI)", title_justify="left")
    table.add_column("model · tier")
    for index, letter in enumerate(target):
        table.add_column(f"{index + 1} {safe_text(letter)}")
    for condition in conditions:
        cells = []
        for line in condition["lines"]:
            mean, ci = line["mean"], line["ci95"]
            if mean is None:
                cells.append(Text("–", style="dim"))
                continue
            cell = pressure_bar(mean, 5)
            if ci:
                cell.append(f" ±{(ci[1] - ci[0]) / 2:.0%}", style="dim")
            cells.append(cell)
        table.add_row(safe_text(f"{condition['model']} · {condition['tier']} "
                                f"(n={condition['read']})"), *cells)
    return table


def bar_chart(summary: dict[str, Any], metric: str) -> Text:
    """One metric across conditions as text bars: █ the rate, ░ up to the interval's top."""
    text = Text(f"{metric.replace('_', ' ')}\n", style="bold")
    labels = [f"{c['model']} · {c['tier']}" for c in summary["conditions"]]
    width = max((len(label) for label in labels), default=0)
    for label, condition in zip(labels, summary["conditions"], strict=True):
        rate = condition["rates"].get(metric)
        text.append(safe_text(label).ljust(width) + " ")
        if not rate or not rate["n"]:
            text.append("no replies\n", style="dim")
            continue
        filled = round(rate["rate"] * BAR_WIDTH)
        high = round(rate["ci95"][1] * BAR_WIDTH)
        text.append("█" * filled, style="cyan")
        text.append("░" * max(0, high - filled), style="dim cyan")
        text.append(" " * (BAR_WIDTH - max(filled, high)) + "│", style="dim")
        text.append(f" {rate['rate']:>4.0%}  ({rate['k']}/{rate['n']}, CI {rate['ci95'][0]:.0%}–"
                    f"{rate['ci95'][1]:.0%})\n", style="dim")
    return text


def failures_text(summary: dict[str, Any]) -> Text | None:
    failures = [(c, reason) for c in summary["conditions"] for reason in c["failures"]]
    if not failures:
        return None
    text = Text(f"{summary['failed']} cells failed:\n", style="bold red")
    for condition, reason in failures[:10]:
        text.append(f"  {condition['model']} · {condition['tier']}: {safe_text(reason)}\n")
    return text


def judge_text(summary: dict[str, Any]) -> Text | None:
    judged = [(c, c["judged"]) for c in summary["conditions"] if c.get("judged") is not None]
    if not judged:
        return None
    text = Text("LLM judge verdicts (judge_* rates are over these): ", style="dim")
    text.append(", ".join(f"{c['model']} · {c['tier']} {n}/{c['n']}" for c, n in judged))
    return text


def summary_renderable(summary: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [rates_table(summary)]
    judged = judge_text(summary)
    if judged is not None:
        parts.append(judged)
    for extra in (gaps_table(summary), flips_text(summary), model_differences_table(summary),
                  scores_table(summary), expected_scores_table(summary), letters_table(summary),
                  failures_text(summary)):
        if extra is not None:
            parts.append(extra)
    return Group(*parts)
