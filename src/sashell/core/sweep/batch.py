"""A sweep as OpenAI batch files, and batch results brought home as the sweep's turns.

The request lines are what the provider would send live (``Provider.batch_request``), one per
pending cell, named ``<sweep id>|<cell key>`` so any engine's results find their cell. Files are
split at the Batch API's limits. Results in the OpenAI batch output format (the Batch API's
output and error files, vLLM's ``run-batch``) are journaled through ``run_turn`` with the reply
recorded, so a batch sweep's sessions, annotations and summary are a live sweep's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sashell.core.annotate.parallel import annotate_many
from sashell.core.errors import SashellError, one_line
from sashell.core.files import write_json_atomic
from sashell.core.providers import provider_for
from sashell.core.providers.base import GenerationRequest
from sashell.core.providers.recorded import RecordedReply
from sashell.core.session import now_iso
from sashell.core.sweep.runner import Sweep, SweepProgress
from sashell.core.sweep.spec import Cell
from sashell.core.sweep.summary import CellOutcome
from sashell.core.turn import run_turn

MAX_LINES = 50_000  # requests per batch file (OpenAI Batch API)
MAX_BYTES = 200 * 1024 * 1024  # bytes per batch file


def custom_id(sweep: Sweep, cell: Cell) -> str:
    return f"{sweep.id}|{cell.key}"


@dataclass
class BatchFile:
    """The requests of one batch: a batch holds one model and one endpoint."""

    model: str  # the model's name in the registry
    url: str  # /v1/chat/completions or /v1/completions
    remote_id: str  # the model's id at its endpoint
    custom_ids: list[str] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return "chat" if "/chat/" in self.url else "completions"


def pending_cells(sweep: Sweep, exclude: Set[str] = frozenset()) -> list[Cell]:
    """Cells not yet complete whose request is not in ``exclude`` (requests still running)."""
    done = sweep.finished_cells()  # complete cells only
    return [cell for cell in sweep.spec.cells()
            if cell.key not in done and custom_id(sweep, cell) not in exclude]


def batch_files(sweep: Sweep, cells: list[Cell]) -> list[BatchFile]:
    """Each cell's request as its provider would send it live, grouped by model and endpoint."""
    groups: dict[tuple[str, str], BatchFile] = {}
    for cell in cells:
        plan = sweep.plan(cell, attempt=1)
        request = provider_for(plan.model).batch_request(
            GenerationRequest(plan.model, plan.messages(), plan.params, plan.prefill))
        if request is None:
            raise SashellError(
                f"model '{plan.model.name}' runs in-process and cannot be sent as a batch; batch "
                "files are for OpenAI-compatible models (the OpenAI Batch API, vLLM run-batch)")
        name = custom_id(sweep, cell)
        group = groups.setdefault((plan.model.name, request.url), BatchFile(
            plan.model.name, request.url, str(request.body.get("model"))))
        group.custom_ids.append(name)
        line = {"custom_id": name, "method": "POST", "url": request.url, "body": request.body}
        group.lines.append((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
    return list(groups.values())


def split_lines(lines: list[bytes], max_lines: int = MAX_LINES,
                max_bytes: int = MAX_BYTES) -> list[list[bytes]]:
    """Consecutive groups of encoded lines, each within both limits."""
    groups: list[list[bytes]] = [[]]
    size = 0
    for line in lines:
        if len(line) > max_bytes:
            raise SashellError(f"one batch request is {len(line):,} bytes, over the "
                               f"{max_bytes:,}-byte file limit")
        if groups[-1] and (len(groups[-1]) >= max_lines or size + len(line) > max_bytes):
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += len(line)
    return [group for group in groups if group]


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(b"".join(lines))
    temporary.replace(path)


def write_batch_files(sweep: Sweep, out: Path, max_lines: int = MAX_LINES,
                      max_bytes: int = MAX_BYTES) -> list[Path]:
    """Write the requests of every cell not yet complete to ``out`` and record the files in the
    sweep's manifest. A batch holds one endpoint and one model, so requests are grouped by
    both (``out-<model>-<chat|completions>.jsonl`` when there is more than one group), and a
    group past the limits continues in ``…-2.jsonl``, ``…-3.jsonl``."""
    pending = pending_cells(sweep)
    if not pending:
        raise SashellError(f"every cell of sweep {sweep.id} is complete: nothing to batch")
    groups = batch_files(sweep, pending)
    names = [(group.remote_id, group.endpoint) for group in groups]
    written: list[Path] = []
    for group in groups:
        # named by the model's id at its endpoint, or by its registry name if that is ambiguous
        model = group.remote_id if names.count((group.remote_id, group.endpoint)) == 1 \
            else group.model
        base = out if len(groups) == 1 else out.with_name(
            f"{out.stem}-{_slug(model)}-{group.endpoint}{out.suffix}")
        for index, part in enumerate(split_lines(group.lines, max_lines, max_bytes)):
            path = base if index == 0 else base.with_name(f"{base.stem}-{index + 1}{base.suffix}")
            write_lines(path, part)
            written.append(path)
    batch = sweep.manifest.setdefault("batch", {})
    batch.setdefault("files", []).append(
        {"created": now_iso(), "paths": [str(p.resolve()) for p in written],
         "requests": sum(len(group.lines) for group in groups)})
    write_json_atomic(sweep.out_dir / "sweep.json", sweep.manifest)
    return written


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._" else "-" for c in name).strip("-") or "model"


@dataclass(frozen=True)
class BatchResult:
    """One line of an engine's batch output: the reply for a request, or why there is none."""

    custom_id: str
    reply: RecordedReply


def _reply_from(line: dict[str, Any]) -> RecordedReply:
    error = line.get("error")
    response = line.get("response")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        return RecordedReply(error=one_line(f"batch: {code + ': ' if code else ''}{message}"))
    if not isinstance(response, dict):
        return RecordedReply(error="batch: the result line has neither a response nor an error")
    raw_body = response.get("body")
    body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
    status = response.get("status_code")
    if status != 200:
        detail = (body.get("error") or {}).get("message") if isinstance(body.get("error"), dict) \
            else body.get("error")
        return RecordedReply(error=one_line(f"batch: HTTP {status}" + (f": {detail}" if detail else "")))
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return RecordedReply(error="batch: the response has no choices")
    choice = choices[0]
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else choice.get("text")
    raw_usage = body.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    prompt_tokens, completion_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return RecordedReply(
        text=text if isinstance(text, str) else "",
        finish_reason=str(choice.get("finish_reason") or "stop"),
        prompt_tokens=prompt_tokens if isinstance(prompt_tokens, int) else None,
        completion_tokens=completion_tokens if isinstance(completion_tokens, int) else None)


def read_results(path: Path) -> Iterator[BatchResult]:
    """The results in a batch output (or error) file; a line that is not a result is one error
    naming the file and line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise SashellError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise SashellError(f"{path}:{number}: not a JSON batch result ({exc.msg})") from None
                if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
                    raise SashellError(f"{path}:{number}: a batch result needs a 'custom_id' string")
                yield BatchResult(line["custom_id"], _reply_from(line))
        except UnicodeDecodeError as exc:
            raise SashellError(f"cannot read {path}: {exc}") from None


@dataclass
class IngestReport:
    outcomes: list[CellOutcome]
    ingested: int = 0  # results written as turns now
    already: int = 0  # results for cells complete before
    foreign: int = 0  # results of another sweep (or no cell of this one)
    duplicates: int = 0  # second results for one cell
    missing: int = 0  # cells with no result yet


async def ingest(sweep: Sweep, paths: list[Path],
                 on_progress: Callable[[SweepProgress, CellOutcome | None], None] | None = None,
                 outcomes: dict[str, CellOutcome] | None = None,
                 unanswered: tuple[list[str], str] | None = None) -> IngestReport:
    """Write the batch results in ``paths`` into the sweep's sessions as turns, annotated as a
    live turn is; cells already complete are kept, errors become failed cells with the reason.
    ``outcomes`` are the cells known so far (read from the sessions when not given; updated in
    place); ``unanswered`` names requests that will get no result (their batch ended) and why:
    those without one in ``paths`` become failed turns with that reason."""
    cells = {custom_id(sweep, cell): cell for cell in sweep.spec.cells()}
    if outcomes is None:
        outcomes = sweep.finished_cells()
    results: dict[str, RecordedReply] = {}
    report = IngestReport(outcomes=[])
    for path in paths:
        for result in read_results(path):
            if result.custom_id not in cells:
                report.foreign += 1
            elif result.custom_id in results and results[result.custom_id].error is None:
                report.duplicates += 1
            else:  # a success replaces an earlier error for the same request (a resubmission)
                results[result.custom_id] = result.reply
    if unanswered:
        names, reason = unanswered
        for name in names:
            if name in cells and name not in results:
                results[name] = RecordedReply(error=one_line(reason))
    todo = []
    for key, reply in results.items():
        cell = cells[key]
        if cell.key in outcomes and outcomes[cell.key].status == "complete":
            report.already += 1
        else:
            todo.append((cell, reply))
    progress = SweepProgress(total=len(cells), skipped=len(outcomes))
    if todo:
        plans = [sweep.plan(cell, attempt=1) for cell, _reply in todo]
        answered = [(plan.prefill + reply.text, plan.annotation_input())
                    for plan, (_cell, reply) in zip(plans, todo, strict=True)
                    if reply.error is None]
        annotated = annotate_many(answered)  # ahead of the journal, on another core
        writer = sweep.new_part_writer()
        writer.sync_each_turn = False  # the results file stays the durable copy; close() syncs
        try:
            for plan, (cell, reply) in zip(plans, todo, strict=True):
                if reply.error is None:
                    reply = replace(reply, annotations=next(annotated))
                turn = await run_turn(plan, writer, recorded=reply)
                if turn.status == "complete":
                    outcome = CellOutcome.from_turn(cell, turn.record, str(writer.path), 1,
                                                    turn.turn)
                    progress.done += 1
                else:
                    outcome = CellOutcome(cell=cell, status="failed", turn=turn.turn,
                                          session=str(writer.path),
                                          reason=turn.error or turn.status)
                    progress.failed += 1
                outcomes[cell.key] = outcome
                report.ingested += 1
                if on_progress:
                    on_progress(progress, outcome)
        finally:
            annotated.close()
            writer.close()
    report.missing = sum(cell.key not in outcomes for cell in cells.values())
    batch = sweep.manifest.setdefault("batch", {})
    batch.setdefault("ingested", []).append(
        {"at": now_iso(), "paths": [str(p.resolve()) for p in paths], "results": report.ingested})
    report.outcomes = sweep.conclude(outcomes)
    return report
