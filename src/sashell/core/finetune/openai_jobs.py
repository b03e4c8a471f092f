"""Fine-tuning through an OpenAI-compatible fine-tuning API: validate the dataset, upload it,
create the job, follow its status and events until it ends, and hand back the `ft:` model.

The client is the real openai SDK; the key comes from the environment and is never written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from sashell.core.errors import SashellError
from sashell.core.finetune.datasets import check_dataset

TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class JobProgress:
    """What is known of a job after a poll: its status, new events, and the last step seen."""

    job_id: str
    status: str
    events: list[str] = field(default_factory=list)  # new since the previous poll, oldest first
    step: int | None = None
    total_steps: int | None = None
    train_loss: float | None = None


@dataclass
class JobResult:
    job_id: str
    status: str
    fine_tuned_model: str | None
    base_model: str
    error: str | None = None
    trained_tokens: int | None = None


def _describe(exc: openai.OpenAIError, where: str) -> str:
    if isinstance(exc, openai.APIStatusError):
        message = str(exc.message).splitlines()[0] if exc.message else ""
        return f"{where} answered HTTP {exc.status_code}: {message}"[:300]
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach {where}"
    return f"{where}: {type(exc).__name__}: {exc}"[:300]


def validate_for_upload(dataset: Path) -> int:
    """Check the dataset by OpenAI's chat format rules before anything is uploaded; returns the
    number of examples."""
    report = check_dataset(dataset)
    if report.problems:
        more = f" (+{len(report.problems) - 1} more; see `sashell dataset check`)" \
            if len(report.problems) > 1 else ""
        raise SashellError(f"{dataset}: {report.problems[0]}{more}")
    if len(report.examples) < 10:
        raise SashellError(f"{dataset}: {len(report.examples)} examples; OpenAI fine-tuning needs "
                           "at least 10")
    return len(report.examples)


async def create_job(client: openai.AsyncOpenAI, dataset: Path, base_model: str,
                     suffix: str | None, epochs: int | None, seed: int | None) -> str:
    where = str(client.base_url)
    try:
        with open(dataset, "rb") as handle:
            uploaded = await client.files.create(file=(dataset.name, handle), purpose="fine-tune")
        options: dict[str, Any] = {}
        if epochs is not None:
            options["hyperparameters"] = {"n_epochs": epochs}
        if seed is not None:
            options["seed"] = seed
        if suffix:
            options["suffix"] = suffix[:64]
        job = await client.fine_tuning.jobs.create(model=base_model, training_file=uploaded.id,
                                                   **options)
    except openai.OpenAIError as exc:
        raise SashellError(_describe(exc, where)) from None
    return str(job.id)


async def cancel_job(client: openai.AsyncOpenAI, job_id: str) -> str:
    """Ask the API to cancel a job; returns its status afterwards."""
    try:
        job = await client.fine_tuning.jobs.cancel(job_id)
    except openai.NotFoundError:
        raise SashellError(f"no fine-tuning job {job_id} at {client.base_url}") from None
    except openai.OpenAIError as exc:
        raise SashellError(_describe(exc, str(client.base_url))) from None
    return str(job.status)


def _step_of(event: Any) -> tuple[int | None, int | None, float | None]:
    data = getattr(event, "data", None) or {}
    if not isinstance(data, dict):
        return None, None, None
    step, total, loss = data.get("step"), data.get("total_steps"), data.get("train_loss")
    return (step if isinstance(step, int) else None, total if isinstance(total, int) else None,
            float(loss) if isinstance(loss, int | float) else None)


async def follow_job(client: openai.AsyncOpenAI, job_id: str, base_model: str,
                     on_progress: Callable[[JobProgress], None] | None = None,
                     poll_s: float = 10.0) -> JobResult:
    """Poll the job and its events until it succeeds, fails or is cancelled."""
    where = str(client.base_url)
    seen: set[str] = set()
    progress = JobProgress(job_id=job_id, status="unknown")
    while True:
        try:
            job = await client.fine_tuning.jobs.retrieve(job_id)
            page = await client.fine_tuning.jobs.list_events(job_id, limit=100)
        except openai.NotFoundError:
            raise SashellError(f"no fine-tuning job {job_id} at {where}") from None
        except openai.OpenAIError as exc:
            raise SashellError(_describe(exc, where)) from None
        progress.status = str(job.status)
        progress.events = []
        for event in reversed(list(page.data)):  # the API lists newest first
            if event.id in seen:
                continue
            seen.add(event.id)
            progress.events.append(str(event.message))
            step, total, loss = _step_of(event)
            if step is not None:
                progress.step, progress.total_steps = step, total or progress.total_steps
                progress.train_loss = loss if loss is not None else progress.train_loss
        if on_progress is not None:
            on_progress(progress)
        if progress.status in TERMINAL:
            error = getattr(job, "error", None)
            message = getattr(error, "message", None) if error is not None else None
            return JobResult(job_id=job_id, status=progress.status,
                             fine_tuned_model=job.fine_tuned_model,
                             base_model=str(job.model or base_model), error=message,
                             trained_tokens=getattr(job, "trained_tokens", None))
        await asyncio.sleep(poll_s)
