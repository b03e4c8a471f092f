"""Annotating many finished replies on a second core: while the caller journals reply k, a
worker process annotates the replies after it, and whenever the caller would wait for the worker
it annotates a chunk the worker has not started, from the far end, itself. The records are
``annotate_text``'s, in order; with one core, few replies or no ``fork``, they are computed in
this process alone."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sashell.core.annotate import annotate_text
from sashell.core.annotate.base import AnnotationInput

PARALLEL_FROM = 500  # fewer replies than this are not worth a process
CHUNK = 200  # replies per message to and from the worker

Item = tuple[str, AnnotationInput]


def _annotate_chunk(items: list[Item]) -> list[list[dict[str, Any]]]:
    return [annotate_text(text, given) for text, given in items]


def annotate_many(items: Sequence[Item], parallel_from: int = PARALLEL_FROM
                  ) -> Generator[list[dict[str, Any]], None, None]:
    """Each item's annotation records, in order, computed ahead by a worker process where
    that helps. The worker is forked, so it has this process's annotators (plugins included)."""
    if len(items) < parallel_from or (os.cpu_count() or 1) < 2 \
            or "fork" not in multiprocessing.get_all_start_methods():
        for text, given in items:
            yield annotate_text(text, given)
        return
    chunks = [list(items[start:start + CHUNK]) for start in range(0, len(items), CHUNK)]
    done: dict[int, list[list[dict[str, Any]]]] = {}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_annotate_chunk, chunk) for chunk in chunks]
        try:
            for index, future in enumerate(futures):
                while index not in done and not future.done():
                    # a future cancels only while the worker has not started it
                    last = next((j for j in range(len(chunks) - 1, index, -1)
                                 if j not in done and futures[j].cancel()), None)
                    if last is None:
                        break
                    done[last] = _annotate_chunk(chunks[last])
                if index not in done:
                    done[index] = _annotate_chunk(chunks[index]) if future.cancel() \
                        else future.result()
                yield from done.pop(index)
        finally:
            for future in futures:  # closed early: the worker stops after its current chunk
                future.cancel()
