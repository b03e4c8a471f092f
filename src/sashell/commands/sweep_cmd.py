"""`sashell sweep`: every probe × model × tier × sample, with rates and intervals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sashell.core.contexts import TIERS
from sashell.core.errors import SashellError
from sashell.core.paths import sessions_dir
from sashell.core.probes import resolve_probe_set
from sashell.core.providers.base import SamplingParams
from sashell.core.registry import load_registry
from sashell.core.session import slugify
from sashell.core.sweep import Sweep, SweepProgress, SweepSpec, summarise
from sashell.core.sweep.outputs import write_outputs
from sashell.core.sweep.summary import CellOutcome
from sashell.present.render import safe_json, safe_text
from sashell.present.sweep import summary_renderable

if TYPE_CHECKING:
    from sashell.core.sweep.batch import IngestReport
    from sashell.core.sweep.batch_jobs import JobRecord


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep", help="run a probe set over models × tiers × samples and report rates with CIs",
        description="Send every probe of a probe set to every model × tier, N samples each, "
                    "concurrently; save every turn in a session; report each flag's rate per "
                    "model × tier with Wilson 95% intervals, the compliance gap (free − paid) "
                    "with Newcombe's interval and numeric self-reports; write summary.json, CSV "
                    "tables and rates.png to --out. Exit 1 if any cell failed (--resume DIR "
                    "retries them).")
    p.add_argument("probe_set", nargs="?", metavar="PROBESET",
                   help="a probe set name from prompts/probes/, or a YAML, JSONL, CSV or text file")
    p.add_argument("--models", help="comma-separated model names (default smollm2)")
    p.add_argument("--tiers", default="free,paid", help="comma-separated: none, free, paid "
                                                        "(default free,paid)")
    p.add_argument("-n", "--samples", type=int, default=10, help="samples per cell (default 10)")
    p.add_argument("--temperature", type=float, default=1.0, help="default 1.0")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--max-tokens", type=int, default=256, help="default 256")
    p.add_argument("--seed", type=int, default=0, help="sample k uses seed + k (default 0); "
                                                       "-1 for unseeded sampling")
    p.add_argument("--context", help="context from prompts/contexts/ (default: 'none' for tier "
                                     "none, 'alignment-faking' for free/paid)")
    p.add_argument("--no-scratchpad", action="store_true")
    p.add_argument("--accept-reject", action="store_true",
                   help="append the <request_fully_accepted/> / <rejected/> instruction")
    p.add_argument("--judge", metavar="MODEL", help="also judge compliance with this model")
    p.add_argument("--lens", action="store_true",
                   help="read letter pressure as each reply is sampled (embedded models; live "
                        "runs): P(each line starts with its HELLO letter) by line, with 95%% "
                        "intervals, in summary.json, letters.csv and letters.png")
    p.add_argument("--logprobs", action="store_true",
                   help="probes on a scale (self-reports, e.g. 0-100) are read, not sampled: one "
                        "expected score per probe, model and tier from the next-token "
                        "probabilities (the lens's number reading), in summary.json "
                        "(expected_scores) and expected_scores.csv; live runs")
    p.add_argument("--column", help="the CSV/JSONL column holding the probe (e.g. goal)")
    p.add_argument("--concurrency", type=int, default=8,
                   help="requests in flight per remote endpoint (default 8; halves on 429). "
                        "Embedded models generate one reply at a time")
    p.add_argument("--retries", type=int, default=2, help="extra attempts for a failed reply")
    p.add_argument("--timeout", type=float, help="seconds a remote endpoint may stay silent "
                                                 "(default 120)")
    p.add_argument("--out", help="results directory (default sweeps/<time>-<probeset>)")
    p.add_argument("--resume", metavar="DIR", help="finish the sweep in DIR: finished cells are "
                                                   "skipped, failed and missing ones run")
    p.add_argument("--batch-file", metavar="OUT.jsonl",
                   help="write the sweep's requests (the cells not yet complete) as an OpenAI "
                        "batch file instead of sending them (one file per model and endpoint, "
                        "OUT-<model>-<chat|completions>.jsonl, when there are several; split "
                        "into …-2.jsonl past 50,000 lines or 200 MB); run it with the Batch API "
                        "or vLLM's run-batch, then --ingest the results")
    p.add_argument("--batch", action="store_true",
                   help="send the sweep to the model's Batch API (/v1/files, /v1/batches) through "
                        "the openai SDK, one batch per model, endpoint and 50,000 requests; follow "
                        "them, then write their results into the sweep's sessions as annotated "
                        "turns. Ctrl+C or a crash leaves the batches running: --resume DIR "
                        "re-attaches without submitting anything twice, and resubmits requests "
                        "that failed or expired")
    p.add_argument("--cancel", metavar="DIR",
                   help="cancel the unfinished batches of the sweep in DIR, bring home what they "
                        "finished, and report")
    p.add_argument("--poll", type=float, default=15.0, metavar="SECONDS",
                   help="seconds between checks of a running batch (default 15)")
    p.add_argument("--ingest", action="append", default=[], metavar="RESULTS.jsonl",
                   help="with --resume DIR: read batch results (OpenAI batch output or error "
                        "files, vLLM run-batch output) into the sweep's sessions as annotated "
                        "turns, then report as a live sweep does (repeatable)")
    p.add_argument("--max-cost", type=float, metavar="USD",
                   help="refuse to send (or write) requests whose estimated cost is above this, "
                        "from the [prices] table of sashell.toml (USD per million tokens)")
    p.add_argument("--sessions-dir", help="where the sweep's session files go")
    p.add_argument("--no-plot", action="store_true", help="do not write rates.png")
    p.add_argument("--json", action="store_true", help="print summary.json to stdout")
    p.set_defaults(func=run)


def _spec(args: argparse.Namespace) -> SweepSpec:
    if not args.probe_set:
        raise SashellError("sweep needs a PROBESET (or --resume DIR)")
    tiers = tuple(t.strip() for t in args.tiers.split(",") if t.strip())
    bad = [t for t in tiers if t not in TIERS]
    if bad:
        raise SashellError(f"unknown tier '{bad[0]}' (choose from {', '.join(TIERS)})")
    models = tuple(m.strip() for m in (args.models or "smollm2").split(",") if m.strip())
    if args.samples > 1 and args.temperature == 0:
        print("sashell: note: at temperature 0 every sample of a cell is the same reply",
              file=sys.stderr)
    return SweepSpec(
        probe_set=resolve_probe_set(args.probe_set, args.column), models=models,
        tiers=tiers,  # type: ignore[arg-type]
        samples=args.samples,
        params=SamplingParams(temperature=args.temperature, top_p=args.top_p,
                              max_tokens=args.max_tokens,
                              seed=None if args.seed is not None and args.seed < 0 else args.seed),
        context=args.context, no_scratchpad=args.no_scratchpad, accept_reject=args.accept_reject,
        judge=args.judge, concurrency=args.concurrency, retries=args.retries, timeout=args.timeout,
        lens=args.lens, logprobs=args.logprobs,
    )


def open_sweep(args: argparse.Namespace) -> Sweep:
    registry = load_registry()
    if args.resume:
        if args.probe_set:
            raise SashellError("--resume takes the sweep's settings from DIR; drop PROBESET")
        return Sweep.resume(Path(args.resume), registry)
    spec = _spec(args)
    out = Path(args.out) if args.out else (
        Path("sweeps") / f"{datetime.now():%Y%m%d-%H%M%S}-{slugify(spec.probe_set.name)}")
    return Sweep.create(spec, out, registry, sessions_dir(args.sessions_dir))


FAILED_LISTED = 10  # failed requests named at the end of a batch run
PROGRESS_STEP = 5  # percent between progress lines when stderr is not a terminal


async def _run(sweep: Sweep, err: Console) -> list[CellOutcome]:
    columns = (TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[status]}"),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    started = time.monotonic()
    with Progress(*columns, console=err, disable=not err.is_terminal,
                  refresh_per_second=4) as bar:
        total = len(sweep.spec.cells()) + len(sweep.spec.score_readings())
        unit = "cells and readings" if sweep.spec.score_readings() else "cells"
        task = bar.add_task("sweep", total=total, status="", rate="")
        reported = [-1]  # the last percentage printed as a line (output that is not a terminal)

        def update(progress: SweepProgress, outcome: CellOutcome | None) -> None:
            ran = progress.done + progress.failed
            rate = f"{ran / (time.monotonic() - started):.2f} cells/s" if ran else ""
            bar.update(task, completed=progress.finished, status=progress.notes(), rate=rate)
            if err.is_terminal:
                return
            if outcome is not None and outcome.status == "failed":
                err.print(safe_text(f"cell {outcome.cell.key} failed: {outcome.reason}"),
                          markup=False, highlight=False)
            percent = 100 * progress.finished // max(total, 1)
            if percent >= reported[0] + PROGRESS_STEP or progress.finished == total:
                reported[0] = percent
                err.print(safe_text(f"sweep {progress.finished}/{total} {unit} ({percent}%)"
                                    + (f", {rate}" if rate else "")
                                    + (f", {progress.notes()}" if progress.notes() else "")),
                          markup=False, highlight=False)

        return await sweep.run(update)


def _check_cost(sweep: Sweep, batch: bool, max_cost: float | None, err: Console) -> None:
    """Say what the billed requests will cost before anything is sent; refuse over --max-cost."""
    from sashell.core.sweep.cost import check_budget, estimate

    done = sweep.finished_cells()
    pending = [cell for cell in sweep.spec.cells() if cell.key not in done]
    cost = estimate(sweep, pending, batch)
    if cost.models:
        err.print(safe_text(f"sweep {sweep.id}: {cost.text()}"), markup=False, highlight=False)
    check_budget(cost, max_cost)


def _write_batch(sweep: Sweep, out: Path, err: Console) -> int:
    from sashell.core.sweep.batch import write_batch_files

    paths = write_batch_files(sweep, out)
    requests = sweep.manifest["batch"]["files"][-1]["requests"]
    err.print(safe_text(f"sweep {sweep.id}: {requests} requests → " + ", ".join(map(str, paths))),
              markup=False, highlight=False)
    err.print(safe_text(f"run them (OpenAI Batch API, or `vllm run-batch -i FILE -o RESULTS`), then "
                        f"`sashell sweep --ingest RESULTS.jsonl --resume {sweep.out_dir}`"),
              markup=False, highlight=False)
    return 0


def _batch_status(err: Console) -> tuple[Progress, Callable[[list[JobRecord]], None]]:
    """A progress bar per batch on a terminal; otherwise a line whenever a batch moves."""
    bar = Progress(TextColumn("[bold]batch {task.fields[key]}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=err,
                   disable=not err.is_terminal, refresh_per_second=4)
    tasks: dict[str, TaskID] = {}
    shown: dict[str, tuple[object, ...]] = {}

    def update(jobs: list[JobRecord]) -> None:
        for job in jobs:
            state = (job["batch_id"], job["status"], job["completed"], job["failed"])
            if shown.get(job["key"]) == state:
                continue
            shown[job["key"]] = state
            failed = f", {job['failed']} failed" if job["failed"] else ""
            status = safe_text(f"{job['status']}{failed}")
            if job["key"] not in tasks:
                tasks[job["key"]] = bar.add_task(job["key"], total=job["count"], key=job["key"],
                                                  status=status)
            bar.update(tasks[job["key"]], completed=job["completed"] + job["failed"],
                       status=status)
            if not err.is_terminal:
                err.print(safe_text(f"batch {job['key']} ({job['batch_id'] or 'not sent'}, "
                                    f"{job['model']}): {job['status']}, {job['completed']}/"
                                    f"{job['count']} done{failed}"), markup=False, highlight=False)

    return bar, update


def _report_ingest(report: IngestReport, err: Console) -> None:
    notes = [f"{report.ingested} results written as turns"]
    for count, what in ((report.already, "for cells complete before"),
                        (report.duplicates, "duplicates"),
                        (report.foreign, "not of this sweep (ignored)"),
                        (report.missing, "cells still without a result")):
        if count:
            notes.append(f"{count} {what}")
    err.print(safe_text(f"ingest: {', '.join(notes)}"), markup=False, highlight=False)


async def _ingest(sweep: Sweep, paths: list[Path], err: Console) -> list[CellOutcome]:
    from sashell.core.sweep.batch import ingest

    report = await ingest(sweep, paths)
    _report_ingest(report, err)
    return report.outcomes


async def _batches(sweep: Sweep, poll: float, cancel: bool, err: Console) -> list[CellOutcome]:
    from sashell.core.sweep.batch_jobs import run_batches

    bar, on_status = _batch_status(err)
    with bar:
        report = await run_batches(sweep, poll=poll, cancel=cancel, on_status=on_status)
    _report_ingest(report, err)
    for job in sweep.manifest["batch"]["jobs"]:
        if job["reason"] and job["status"] != "completed":
            err.print(safe_text(f"batch {job['key']}: {job['reason']}"), markup=False,
                      highlight=False)
    failed = [o for o in report.outcomes if o.status == "failed"]
    for outcome in failed[:FAILED_LISTED]:
        err.print(safe_text(f"failed: {outcome.cell.key}: {outcome.reason}"), markup=False,
                  highlight=False)
    if len(failed) > FAILED_LISTED:
        err.print(f"… and {len(failed) - FAILED_LISTED} more failed requests (cells.csv lists "
                  "every one with its reason)", markup=False, highlight=False)
    return report.outcomes


def _uses_batches(sweep: Sweep) -> bool:
    """Whether the sweep was sent with --batch: resuming it follows its batches."""
    return bool(sweep.manifest.get("batch", {}).get("jobs"))


def run(args: argparse.Namespace) -> int:
    if args.ingest and not args.resume:
        raise SashellError("--ingest needs --resume DIR: the sweep whose requests were batched")
    modes = [flag for flag, on in (("--batch-file", args.batch_file), ("--ingest", args.ingest),
                                   ("--batch", args.batch), ("--cancel", args.cancel)) if on]
    if len(modes) > 1:
        raise SashellError(f"choose one of {' and '.join(modes)}")
    if args.cancel:
        if args.resume or args.probe_set:
            raise SashellError("--cancel DIR takes the sweep from DIR; drop the other arguments")
        args.resume = args.cancel
    if args.poll <= 0:
        raise SashellError("--poll needs a positive number of seconds")
    if args.logprobs and modes:
        raise SashellError(f"--logprobs reads each self-report live (one reading per probe, "
                           f"model and tier); it does not go with {modes[0]}")
    sweep = open_sweep(args)
    err = Console(stderr=True)
    batch = args.batch or bool(args.cancel) or _uses_batches(sweep)
    if sweep.spec.logprobs and (batch or args.ingest or args.batch_file):
        raise SashellError("this sweep reads self-reports live (--logprobs); resume it without "
                           "batches")
    if not args.ingest and not args.cancel:
        try:
            _check_cost(sweep, batch=bool(args.batch_file) or batch, max_cost=args.max_cost,
                        err=err)
        except SashellError:
            if not args.resume:  # refused before anything ran: leave no half-made sweep behind
                (sweep.out_dir / "sweep.json").unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    sweep.out_dir.rmdir()
            raise
    if args.batch_file:
        return _write_batch(sweep, Path(args.batch_file), err)
    readings = len(sweep.spec.score_readings())
    err.print(f"sweep {sweep.id}: {len(sweep.spec.cells())} cells"
              + (f" and {readings} expected-score readings" if readings else "")
              + f" → {sweep.out_dir}", markup=False, highlight=False)
    if args.ingest:
        outcomes = asyncio.run(_ingest(sweep, [Path(p) for p in args.ingest], err))
    elif batch:
        try:
            outcomes = asyncio.run(_batches(sweep, args.poll, bool(args.cancel), err))
        except KeyboardInterrupt:
            err.print(safe_text(f"the batches keep running at the engine: `sashell sweep --resume "
                                f"{sweep.out_dir}` follows them, `--cancel {sweep.out_dir}` "
                                "cancels them"), markup=False, highlight=False)
            raise
    else:
        outcomes = asyncio.run(_run(sweep, err))
    for error in sweep.reading_errors:
        err.print(safe_text(f"an expected-score reading failed: {error}"), markup=False,
                  highlight=False)
    summary = summarise(sweep.spec, outcomes, sweep.expected_scores())
    summary["sweep"] = {"id": sweep.id, "out": str(sweep.out_dir),
                        "sessions": sweep.manifest["sessions"]}
    written = write_outputs(sweep.out_dir, summary, outcomes, plot=not args.no_plot,
                            title=sweep.spec.title())
    if args.json:
        print(safe_json(summary))
    else:
        Console().print(summary_renderable(summary))
    err.print("wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False)
    missing = summary["cells"] - summary["complete"]
    unread = sum(not row["read"] for row in summary.get("expected_scores", []))
    if missing or unread:
        what = [f"{missing} of {summary['cells']} cells not complete" if missing else "",
                f"{unread} expected-score readings missing" if unread else ""]
        err.print(safe_text("; ".join(w for w in what if w)
                            + f"; `sashell sweep --resume {sweep.out_dir}` retries them"),
                  markup=False, highlight=False)
        return 1
    return 0
