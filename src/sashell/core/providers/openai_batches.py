"""The OpenAI Batch API (``/v1/files``, ``/v1/batches``) through the openai SDK, for a model's
endpoint: upload a batch file, create the batch, follow it, cancel it, download its results."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from sashell.core.errors import ProviderError, one_line
from sashell.core.models import ModelSpec
from sashell.core.providers.base import BatchJob

if TYPE_CHECKING:
    import openai

COMPLETION_WINDOW: Final[Literal["24h"]] = "24h"  # the only window the Batch API offers
T = TypeVar("T")


def _job(batch: Any) -> BatchJob:
    counts = batch.request_counts
    errors = batch.errors.data if batch.errors and batch.errors.data else []
    return BatchJob(
        id=batch.id, status=batch.status, output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=counts.total if counts else 0, completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        errors=tuple(one_line(f"{e.code + ': ' if e.code else ''}{e.message or ''}"
                              + (f" (line {e.line})" if e.line else ""), 200)
                     for e in errors))


class OpenAIBatches:
    def __init__(self, spec: ModelSpec, client: Callable[[], openai.AsyncOpenAI]) -> None:
        self.spec = spec
        self._client = client

    async def _call(self, what: str, call: Callable[[openai.AsyncOpenAI], Awaitable[T]]) -> T:
        import openai

        from sashell.core.providers.openai_compat import DEFAULT_BASE_URL, describe_error

        try:
            return await call(self._client())
        except openai.NotFoundError as exc:
            where = self.spec.base_url or DEFAULT_BASE_URL
            raise ProviderError(
                f"{what}: {where} answered 404: {one_line(str(exc.message or ''), 120)} (an "
                "endpoint without the Batch API, such as a vLLM server, takes --batch-file and "
                "`vllm run-batch` instead)", retryable=False) from None
        except openai.OpenAIError as exc:
            raise ProviderError(f"{what}: {describe_error(exc, self.spec)}",
                                retryable=False) from None

    async def upload(self, path: Path) -> str:
        async def call(client: openai.AsyncOpenAI) -> str:
            return (await client.files.create(file=path, purpose="batch")).id

        return await self._call(f"uploading {path.name}", call)

    async def create(self, input_file_id: str, url: str, metadata: dict[str, str]) -> BatchJob:
        async def call(client: openai.AsyncOpenAI) -> BatchJob:
            return _job(await client.batches.create(
                input_file_id=input_file_id, endpoint=url,  # type: ignore[arg-type]
                completion_window=COMPLETION_WINDOW, metadata=metadata))

        return await self._call("creating a batch", call)

    async def find(self, metadata: dict[str, str]) -> BatchJob | None:
        async def call(client: openai.AsyncOpenAI) -> BatchJob | None:
            async for batch in client.batches.list(limit=100):
                tags = batch.metadata or {}
                if all(tags.get(key) == value for key, value in metadata.items()):
                    return _job(batch)
            return None

        return await self._call("listing batches", call)

    async def retrieve(self, batch_id: str) -> BatchJob:
        async def call(client: openai.AsyncOpenAI) -> BatchJob:
            return _job(await client.batches.retrieve(batch_id))

        return await self._call(f"following batch {batch_id}", call)

    async def cancel(self, batch_id: str) -> BatchJob:
        async def call(client: openai.AsyncOpenAI) -> BatchJob:
            return _job(await client.batches.cancel(batch_id))

        return await self._call(f"cancelling batch {batch_id}", call)

    async def download(self, file_id: str, to: Path) -> None:
        partial = to.with_name(to.name + ".partial")

        async def call(client: openai.AsyncOpenAI) -> None:
            async with client.files.with_streaming_response.content(file_id) as response:
                with partial.open("wb") as sink:
                    async for chunk in response.iter_bytes():
                        sink.write(chunk)

        try:
            await self._call(f"downloading {file_id}", call)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        partial.replace(to)
