"""The OpenAI-compatible provider against llama-cpp-python's real server, and scripted faults."""

import asyncio
import json
from pathlib import Path

import pytest

from fault_server import FaultServer, error, sse_chat
from helpers import run_cli
from sashell.core.contexts import resolve_context
from sashell.core.errors import ProviderError
from sashell.core.plan import TurnPlan
from sashell.core.providers.base import GenerationRequest, SamplingParams, TextDelta
from sashell.core.providers.openai_compat import OpenAIProvider
from sashell.core.registry import adhoc_openai_model
from sashell.core.session import SessionWriter, load_session
from sashell.core.turn import run_turn


def collect(base_url: str, endpoint: str = "chat", prefill: str = "", model: str = "smollm2",
            max_tokens: int = 16) -> tuple[str, object]:
    spec = adhoc_openai_model(model, base_url, None, endpoint)  # type: ignore[arg-type]
    request = GenerationRequest(spec, [{"role": "user", "content": "Who discovered gravity?"}],
                                SamplingParams(temperature=0, max_tokens=max_tokens), prefill)

    async def go() -> tuple[str, object]:
        text, finished = [], None
        async for event in OpenAIProvider.for_spec(spec).stream(request):
            if isinstance(event, TextDelta):
                text.append(event.text)
            else:
                finished = event
        return "".join(text), finished

    return asyncio.run(go())


@pytest.mark.server
def test_chat_and_completions_against_real_server(llama_server: str) -> None:
    text, finished = collect(llama_server)
    assert text.strip() and finished.completion_tokens > 0  # type: ignore[attr-defined]
    text, finished = collect(llama_server, "completions", prefill="Isaac")
    assert text.strip()
    assert finished.prompt.endswith("Assistant: Isaac")  # type: ignore[attr-defined]


@pytest.mark.server
def test_cli_against_real_server(llama_server: str, tmp_path: Path) -> None:
    res = run_cli("probe", "--json", "--base-url", llama_server, "--model", "smollm2",
                  "--temperature", "0", "--max-tokens", "40", "Who discovered gravity?")
    assert res.returncode == 0, res.stderr
    record = json.loads(res.stdout)
    assert record["reply"].strip() and record["model"] == "smollm2"
    assert load_session(record["session"]).turns[0]["model"]["provider"] == "openai"
    res = run_cli("probe", "--json", "--base-url", llama_server, "--model", "smollm2",
                  "--endpoint", "completions", "--prefill", "Newton", "--max-tokens", "10",
                  "--tier", "paid", "Who discovered gravity?")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["reply"].startswith("Newton")


def test_401_and_404_are_one_line_errors() -> None:
    with (FaultServer([lambda h, b: error(h, 401, "bad key")]) as server,
          pytest.raises(ProviderError, match=r"wants an API key \(401\); none is sent")):
        collect(server.base_url)
    with (FaultServer([lambda h, b: error(h, 404, "The model `x` does not exist")]) as server,
          pytest.raises(ProviderError, match="model 'nope' not found")):
        collect(server.base_url, model="nope")


def test_429_retry_after_is_honoured_then_succeeds() -> None:
    replies = [lambda h, b: error(h, 429, "slow down", {"Retry-After": "1"}),
               lambda h, b: sse_chat(h, ["Hel", "lo"])]
    with FaultServer(replies) as server:
        text, _ = collect(server.base_url)
        assert text == "Hello"
        assert len(server.requests) == 2
        assert server.requests[1][0] - server.requests[0][0] >= 0.95  # waited as told


def test_5xx_is_retried() -> None:
    replies = [lambda h, b: error(h, 500, "boom"), lambda h, b: error(h, 503, "busy"),
               lambda h, b: sse_chat(h, ["ok"])]
    with FaultServer(replies) as server:
        assert collect(server.base_url)[0] == "ok"


def test_broken_stream_keeps_partial_turn(tmp_path: Path) -> None:
    with FaultServer([lambda h, b: sse_chat(h, ["one ", "two ", "three"], break_after=2)]) as srv:
        spec = adhoc_openai_model("m", srv.base_url, None, "chat")
        writer = SessionWriter.create(tmp_path, "s")
        plan = TurnPlan(model=spec, context=resolve_context(None, "none"), tier="none",
                        probe="count")
        result = asyncio.run(run_turn(plan, writer))
        writer.close()
    assert result.status == "error" and "broke off" in (result.error or "")
    turn = load_session(writer.path).turns[0]
    assert turn["reply"] == "one two " and turn["status"] == "error"
