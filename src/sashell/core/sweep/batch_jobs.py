"""A sweep handed to a batch engine (the OpenAI Batch API), followed, and brought home.

The engine runs the requests; sashell writes the batch files, uploads them, creates one batch
per file, polls them and ingests their output and error files as the sweep's turns. Every step
is recorded in the sweep's manifest before the next one is taken, and each batch carries its job
key in its metadata, so a run killed at any point resumes (``--resume DIR``) without submitting
a request twice: a job with a batch id is followed; one created but not yet recorded is found by
its metadata; only requests in no unfinished batch are written into new ones.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from sashell.core.errors import SashellError
from sashell.core.files import write_json_atomic
from sashell.core.providers import provider_for
from sashell.core.providers.base import BatchJob, BatchService
from sashell.core.sweep.batch import (
    MAX_BYTES,
    MAX_LINES,
    IngestReport,
    batch_files,
    ingest,
    pending_cells,
    split_lines,
    write_lines,
)
from sashell.core.sweep.runner import Sweep
from sashell.core.sweep.summary import CellOutcome

POLL_SECONDS = 15.0
METADATA_JOB = "sashell_job"  # the metadata key that names a batch's job


class JobRecord(TypedDict):
    """One batch of a sweep, as its manifest records it (``batch.jobs``)."""

    key: str  # <sweep id>-<n>: also the batch's metadata, to find it after a crash
    model: str  # the model's registry name: whose endpoint runs the batch
    url: str  # the endpoint every request of the batch goes to
    requests: str  # the batch input file (in the sweep's folder)
    count: int
    input_file_id: str | None
    batch_id: str | None
    status: str  # "written" until the engine has it, then the engine's status
    completed: int
    failed: int
    reason: str | None  # why requests got no result (the batch expired, was cancelled, failed)
    results: list[str]  # the output and error files downloaded
    ingested: bool


StatusCallback = Callable[[list[JobRecord]], None]


def jobs_of(sweep: Sweep) -> list[JobRecord]:
    jobs: list[JobRecord] = sweep.manifest.setdefault("batch", {}).setdefault("jobs", [])
    return jobs


def _save(sweep: Sweep) -> None:
    write_json_atomic(sweep.out_dir / "sweep.json", sweep.manifest)


def custom_ids(job: JobRecord) -> list[str]:
    """The requests in a job's input file."""
    try:
        with open(job["requests"], encoding="utf-8") as handle:
            return [json.loads(line)["custom_id"] for line in handle if line.strip()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SashellError(f"cannot read the batch input file {job['requests']}: {exc}") from None


def _service(sweep: Sweep, job: JobRecord) -> BatchService:
    spec = sweep.models.get(job["model"])
    if spec is None:
        raise SashellError(f"batch {job['key']} is for model '{job['model']}', which is not in "
                           "this sweep")
    service = provider_for(spec).batch_service(spec)
    if service is None:
        raise SashellError(f"model '{spec.name}' has no batch engine: --batch sends batches to "
                           "OpenAI-compatible endpoints with the Batch API")
    return service


def add_jobs(sweep: Sweep, max_lines: int = MAX_LINES, max_bytes: int = MAX_BYTES
             ) -> list[JobRecord]:
    """Write the requests that are neither complete nor in an unfinished batch into new batch
    input files (one per model and endpoint, split at the limits), recorded as jobs."""
    jobs = jobs_of(sweep)
    running = {name for job in jobs if not job["ingested"] for name in custom_ids(job)}
    added: list[JobRecord] = []
    for group in batch_files(sweep, pending_cells(sweep, running)):
        for lines in split_lines(group.lines, max_lines, max_bytes):
            key = f"{sweep.id}-{len(jobs) + 1}"
            path = sweep.out_dir / "batch" / f"{key}-requests.jsonl"
            write_lines(path, lines)
            job: JobRecord = {
                "key": key, "model": group.model, "url": group.url, "requests": str(path.resolve()),
                "count": len(lines), "input_file_id": None, "batch_id": None, "status": "written",
                "completed": 0, "failed": 0, "reason": None, "results": [], "ingested": False}
            jobs.append(job)
            added.append(job)
    _save(sweep)
    return added


async def _submit(sweep: Sweep, job: JobRecord, service: BatchService) -> None:
    if job["batch_id"]:
        return
    metadata = {METADATA_JOB: job["key"]}
    found = await service.find(metadata)  # created just before a crash, its id unrecorded
    if found is None:
        file_id = job["input_file_id"]
        if not file_id:
            file_id = job["input_file_id"] = await service.upload(Path(job["requests"]))
            _save(sweep)
        found = await service.create(file_id, job["url"], metadata)
    _update(job, found)
    _save(sweep)


def _update(job: JobRecord, state: BatchJob) -> None:
    job["batch_id"] = state.id
    job["status"] = state.status
    job["completed"], job["failed"] = state.completed, state.failed


async def _bring_home(sweep: Sweep, job: JobRecord, state: BatchJob, service: BatchService,
                      outcomes: dict[str, CellOutcome], report: IngestReport) -> None:
    folder = sweep.out_dir / "batch"
    paths = []
    for file_id, name in ((state.output_file_id, "output"), (state.error_file_id, "errors")):
        if file_id:
            path = folder / f"{job['key']}-{name}.jsonl"
            await service.download(file_id, path)
            paths.append(path)
    reason = f"batch {state.id} {state.status} without a result for this request"
    if state.errors:
        reason += f": {state.errors[0]}"
    job["results"] = [str(p.resolve()) for p in paths]
    job["reason"] = reason if state.status != "completed" else None
    got = await ingest(sweep, paths, outcomes=outcomes,
                       unanswered=(custom_ids(job), reason))
    for name in ("ingested", "already", "foreign", "duplicates"):
        setattr(report, name, getattr(report, name) + getattr(got, name))
    job["ingested"] = True
    _save(sweep)


async def run_batches(sweep: Sweep, *, poll: float = POLL_SECONDS, cancel: bool = False,
                      on_status: StatusCallback | None = None, max_lines: int = MAX_LINES,
                      max_bytes: int = MAX_BYTES) -> IngestReport:
    """Submit the sweep's outstanding requests as batches (unless ``cancel``), follow every
    unfinished batch until it ends (cancelling them first with ``cancel``), and ingest each
    batch's results as it ends. Requests a batch ended without become failed cells with the
    reason; a later run resubmits them."""
    if cancel:
        if not any(not job["ingested"] for job in jobs_of(sweep)):
            raise SashellError(f"sweep {sweep.id} has no unfinished batch to cancel")
    else:
        add_jobs(sweep, max_lines, max_bytes)
    open_jobs = [job for job in jobs_of(sweep) if not job["ingested"]]
    services = {job["key"]: _service(sweep, job) for job in open_jobs}
    for job in open_jobs:
        await _submit(sweep, job, services[job["key"]])
        if on_status:
            on_status(jobs_of(sweep))
    if cancel:
        for job in open_jobs:
            if job["status"] not in ("cancelling", "cancelled", "completed", "failed", "expired"):
                _update(job, await services[job["key"]].cancel(str(job["batch_id"])))
        _save(sweep)
    outcomes = dict(sweep.finished_cells())
    report = IngestReport(outcomes=[])
    while open_jobs:
        for job in list(open_jobs):
            service = services[job["key"]]
            state = await service.retrieve(str(job["batch_id"]))
            _update(job, state)
            if state.final:
                await _bring_home(sweep, job, state, service, outcomes, report)
                open_jobs.remove(job)
        _save(sweep)
        if on_status:
            on_status(jobs_of(sweep))
        if open_jobs:
            await asyncio.sleep(poll)
    report.outcomes = sweep.conclude(outcomes)
    report.missing = len(sweep.spec.cells()) - len(report.outcomes)
    return report
