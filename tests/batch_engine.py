"""A local stand-in for a batch engine (what `vllm run-batch` or the OpenAI Batch API does with a
batch file): every request line is sent, unstreamed, through the real `openai` SDK to an
OpenAI-compatible server (llama-cpp-python's, serving the embedded model), and the results are
written in the OpenAI batch output format. Requests named in ``fail`` get an error line
instead, as a batch's error file holds them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import openai


def error_line(custom_id: str, code: str, message: str) -> dict[str, Any]:
    return {"id": f"batch_req_{uuid.uuid4().hex[:12]}", "custom_id": custom_id, "response": None,
            "error": {"code": code, "message": message}}


def result_line(client: openai.OpenAI, line: dict[str, Any]) -> dict[str, Any]:
    """The batch output line for one request line, run through the SDK."""
    body = dict(line["body"])
    if line["url"] == "/v1/chat/completions":
        response: Any = client.chat.completions.create(**body)
    else:
        response = client.completions.create(**body)
    return {"id": f"batch_req_{uuid.uuid4().hex[:12]}", "custom_id": line["custom_id"],
            "response": {"status_code": 200, "request_id": uuid.uuid4().hex,
                         "body": response.model_dump()},
            "error": None}


def run_batch(requests: Path, out: Path, base_url: str, fail: frozenset[str] = frozenset()) -> int:
    client = openai.OpenAI(base_url=base_url, api_key="stand-in")
    written = 0
    with requests.open(encoding="utf-8") as source, out.open("w", encoding="utf-8") as sink:
        for raw in source:
            line = json.loads(raw)
            if line["custom_id"] in fail:
                result = error_line(line["custom_id"], "server_error", "the engine gave up")
            else:
                result = result_line(client, line)
            sink.write(json.dumps(result) + "\n")
            written += 1
    return written
