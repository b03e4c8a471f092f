"""The lens's own llama.cpp context on an embedded model's weights.

The generation context holds one sequence. Here, several token paths after one prefix are read
in a single decode: each path is a sequence that shares the prefix's KV cells (a unified cache,
so sharing costs no copy), and a token that several paths pass through is evaluated once for all
of them. Letter pressure follows dozens of decoration paths per line start, so this turns
dozens of one-token decodes into one per depth. The context copies the generation context's
parameters (same numerics for a single path) and its LoRA adapter.
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sashell.core.errors import ProviderError

MAX_SEQUENCES = 32  # the prefix's sequence plus up to 31 paths per decode


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Probabilities from raw logits, in double precision."""
    shifted = logits.astype(np.float64) - float(logits.max())
    weights = np.exp(shifted)
    result: npt.NDArray[np.float64] = weights / weights.sum()
    return result


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class ScoringContext:
    """Next-token distributions of a loaded ``llama_cpp.Llama`` after a prefix and after many
    short paths from it. Not thread-safe: the engine's lock guards it."""

    def __init__(self, llm: Any) -> None:
        import llama_cpp
        from llama_cpp import _internals

        params = llama_cpp.llama_context_params()
        ctypes.memmove(ctypes.byref(params), ctypes.byref(llm.context_params),
                       ctypes.sizeof(params))
        params.n_seq_max = MAX_SEQUENCES
        params.kv_unified = True
        params.flash_attn_type = 1
        self._llama = llama_cpp
        self._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        adapter = getattr(llm, "_lora_adapter", None)
        if adapter is not None:
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
            scales = (ctypes.c_float * 1)(llm.lora_scale)
            if llama_cpp.llama_set_adapters_lora(self._ctx.ctx, adapters, 1, scales):
                raise ProviderError("llama.cpp could not apply the LoRA adapter to the lens's "
                                    "context", retryable=False)
        self._n_batch = int(params.n_batch)
        self._n_ctx = int(self._ctx.n_ctx())
        self._n_vocab = int(llm.n_vocab())
        self._batch = llama_cpp.llama_batch_init(self._n_batch, 0, MAX_SEQUENCES)
        weakref.finalize(self, llama_cpp.llama_batch_free, self._batch)
        self._memory = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._tokens: list[int] = []  # what sequence 0 holds
        self._last_index = 0  # where the last decode's final logits are

    # -- the prefix (sequence 0) ---------------------------------------------------------------
    def forget(self) -> None:
        """Empty the cache: the next prefix is evaluated from its start, in the same chunks
        whatever was read before (llama.cpp's results vary with how tokens were batched: a
        prefix evaluated in one go and one extended from a shorter prefix can differ by a few
        hundredths in a probability)."""
        self._llama.llama_memory_clear(self._memory, True)
        self._tokens = []

    def probabilities(self, tokens: list[int]) -> npt.NDArray[np.float64]:
        """P(next token | tokens): the tokens not already held are evaluated."""
        self._hold(tokens, keep_last=False)
        return self._distribution(self._last_index)

    def _hold(self, tokens: list[int], keep_last: bool) -> None:
        """Make sequence 0 hold ``tokens``; unless ``keep_last``, the last one is evaluated
        again so its logits are fresh (``_last_index`` points at them)."""
        if len(tokens) >= self._n_ctx:
            raise ProviderError(f"{len(tokens)} tokens exceed the {self._n_ctx}-token context",
                                retryable=False)
        keep = common_prefix(self._tokens, tokens)
        if not keep_last:
            keep = min(keep, len(tokens) - 1)
        self._llama.llama_memory_seq_rm(self._memory, -1, keep, -1)
        self._tokens = self._tokens[:keep]
        for start in range(keep, len(tokens), self._n_batch):
            chunk = tokens[start:start + self._n_batch]
            last = start + len(chunk) == len(tokens)
            self._decode([(token, start + i, (0,), last and i == len(chunk) - 1)
                          for i, token in enumerate(chunk)])
            self._tokens.extend(chunk)
            self._last_index = len(chunk) - 1

    # -- paths from the prefix -----------------------------------------------------------------
    def branch_probabilities(self, prefix: list[int],
                             paths: Sequence[Sequence[int]]) -> list[npt.NDArray[np.float64]]:
        """P(next token | prefix + path) for each (non-empty) path, read in as few decodes as
        the batch allows."""
        if any(not path for path in paths):
            raise ValueError("a path needs at least one token")
        if len(prefix) + max((len(p) for p in paths), default=0) >= self._n_ctx:
            raise ProviderError(f"the paths run past the {self._n_ctx}-token context",
                                retryable=False)
        self._hold(prefix, keep_last=True)
        results: list[npt.NDArray[np.float64]] = []
        for group in self._groups(paths):
            results.extend(self._read_group(len(prefix), group))
        return results

    def _groups(self, paths: Sequence[Sequence[int]]) -> list[list[Sequence[int]]]:
        """Consecutive paths per decode: at most MAX_SEQUENCES - 1 of them, and their tokens
        (counted without sharing, an upper bound) within one batch."""
        groups: list[list[Sequence[int]]] = []
        tokens = 0
        for path in paths:
            if (not groups or len(groups[-1]) >= MAX_SEQUENCES - 1
                    or tokens + len(path) > self._n_batch):
                groups.append([])
                tokens = 0
            groups[-1].append(path)
            tokens += len(path)
        return groups

    def _read_group(self, start: int,
                    group: list[Sequence[int]]) -> list[npt.NDArray[np.float64]]:
        entries: list[tuple[int, int, list[int], bool]] = []
        node: dict[tuple[int, ...], int] = {}
        ends: list[int] = []
        for seq, path in enumerate(group, 1):
            self._llama.llama_memory_seq_cp(self._memory, 0, seq, -1, -1)
            for depth in range(1, len(path) + 1):
                key = tuple(path[:depth])
                index = node.get(key)
                if index is None:
                    index = node[key] = len(entries)
                    entries.append((path[depth - 1], start + depth - 1, [], False))
                entries[index][2].append(seq)
            ends.append(node[tuple(path)])
        for index in ends:
            token, position, seqs, _ = entries[index]
            entries[index] = (token, position, seqs, True)
        try:
            self._decode(entries)
            return [self._distribution(index) for index in ends]
        finally:
            for seq in range(1, len(group) + 1):
                self._llama.llama_memory_seq_rm(self._memory, seq, -1, -1)

    # -- llama.cpp -----------------------------------------------------------------------------
    def _decode(self, entries: Sequence[tuple[int, int, Sequence[int], bool]]) -> None:
        batch = self._batch
        batch.n_tokens = len(entries)
        for i, (token, position, seqs, logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = len(seqs)
            for j, seq in enumerate(seqs):
                batch.seq_id[i][j] = seq
            batch.logits[i] = logits
        code = self._llama.llama_decode(self._ctx.ctx, batch)
        if code != 0:
            self.forget()
            raise ProviderError(f"llama.cpp could not evaluate the lens's tokens (code {code}; "
                                "the context may be full)", retryable=False)

    def _distribution(self, index: int) -> npt.NDArray[np.float64]:
        logits = np.ctypeslib.as_array(self._llama.llama_get_logits_ith(self._ctx.ctx, index),
                                       shape=(self._n_vocab,))
        return softmax(logits)
