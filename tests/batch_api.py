"""A local stand-in for OpenAI's Files and Batches API (``/v1/files``, ``/v1/batches``), for tests
that drive it with the real `openai` SDK. Each retrieve of a batch advances it one step:
validating → in_progress → … → finalizing → completed. While in progress, each retrieve runs the
next ``per_poll`` requests on an OpenAI-compatible server (llama-cpp-python's, serving the
embedded model), so how far a batch has got depends only on how often it was polled. Knobs:
``fail`` (cell keys, the custom id after its sweep id, whose first run fails into the error
file), ``expire_after`` (the batch
expires after that many in-progress polls; the requests not run go to the error file as
``batch_expired``, as OpenAI's do), cancellation (the requests not run get no line), and
``invalid`` (the batch fails validation). ``created`` and ``runs`` count batch submissions and
how often each request was run."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai

from batch_engine import error_line, result_line


@dataclass
class Batch:
    id: str
    input_file_id: str
    endpoint: str
    metadata: dict[str, str]
    lines: list[dict[str, Any]]
    status: str = "validating"
    done: int = 0  # requests run so far
    polls_in_progress: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int = field(default_factory=lambda: int(time.time()))

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "object": "batch", "endpoint": self.endpoint,
            "input_file_id": self.input_file_id, "completion_window": "24h",
            "status": self.status, "created_at": self.created_at, "metadata": self.metadata,
            "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
            "errors": ({"object": "list", "data": [{"code": "invalid_request", "line": 1,
                                                    "message": "the stand-in was told to refuse"}]}
                       if self.status == "failed" else None),
            "request_counts": {"total": len(self.lines), "completed": len(self.output),
                               "failed": len(self.errors)},
        }


class BatchAPI:
    def __init__(self, engine_url: str, *, per_poll: int = 1_000_000,
                 fail: frozenset[str] = frozenset(), expire_after: int | None = None,
                 invalid: bool = False) -> None:
        self.engine = openai.OpenAI(base_url=engine_url, api_key="stand-in")
        self.per_poll, self.fail, self.expire_after, self.invalid = (
            per_poll, fail, expire_after, invalid)
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, Batch] = {}
        self.created = 0  # batches submitted
        self.runs: Counter[str] = Counter()  # custom id → times run
        self.polls: Counter[str] = Counter()  # batch id → retrieves
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> BatchAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the API ---------------------------------------------------------------------------------
    def upload(self, content: bytes) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex[:16]}"
        self.files[file_id] = content
        return {"id": file_id, "object": "file", "bytes": len(content), "purpose": "batch",
                "created_at": int(time.time()), "filename": "input.jsonl", "status": "processed"}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        lines = [json.loads(raw) for raw in self.files[body["input_file_id"]].splitlines()
                 if raw.strip()]
        batch = Batch(id=f"batch_{uuid.uuid4().hex[:16]}", input_file_id=body["input_file_id"],
                      endpoint=body["endpoint"], metadata=body.get("metadata") or {}, lines=lines)
        self.batches[batch.id] = batch
        self.created += 1
        return batch.view()

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        self.polls[batch_id] += 1
        if batch.status == "validating":
            batch.status = "failed" if self.invalid else "in_progress"
        elif batch.status == "in_progress":
            batch.polls_in_progress += 1
            for line in batch.lines[batch.done:batch.done + self.per_poll]:
                self.runs[line["custom_id"]] += 1
                cell = line["custom_id"].split("|", 1)[-1]
                if cell in self.fail and self.runs[line["custom_id"]] == 1:
                    batch.errors.append(error_line(line["custom_id"], "server_error",
                                                   "the engine gave up"))
                else:
                    batch.output.append(result_line(self.engine, line))
                batch.done += 1
            if self.expire_after is not None and batch.polls_in_progress >= self.expire_after \
                    and batch.done < len(batch.lines):
                batch.errors += [error_line(line["custom_id"], "batch_expired",
                                            "This request could not be executed before the "
                                            "completion window expired.")
                                 for line in batch.lines[batch.done:]]
                self._finish(batch, "expired")
            elif batch.done == len(batch.lines):
                batch.status = "finalizing"
        elif batch.status == "finalizing":
            self._finish(batch, "completed")
        elif batch.status == "cancelling":
            self._finish(batch, "cancelled")
        return batch.view()

    def cancel(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        if batch.status in ("validating", "in_progress", "finalizing"):
            batch.status = "cancelling"
        return batch.view()

    def _finish(self, batch: Batch, status: str) -> None:
        for attribute, lines in (("output_file_id", batch.output), ("error_file_id", batch.errors)):
            if lines:
                content = "".join(json.dumps(line) + "\n" for line in lines).encode()
                setattr(batch, attribute, self.upload(content)["id"])
        batch.status = status

    # -- HTTP ------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw is not None
                                 else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with api.lock:
                    if path == "/v1/batches":
                        data = [b.view() for b in reversed(api.batches.values())]
                        self._send(200, {"object": "list", "data": data, "has_more": False,
                                         "first_id": data[0]["id"] if data else None,
                                         "last_id": data[-1]["id"] if data else None})
                    elif path.startswith("/v1/batches/") and path.count("/") == 3:
                        batch_id = path.rsplit("/", 1)[1]
                        if batch_id not in api.batches:
                            self._send(404, {"error": {"message": "no such batch"}})
                        else:
                            self._send(200, api.retrieve(batch_id))
                    elif path.startswith("/v1/files/") and path.endswith("/content"):
                        file_id = path.split("/")[3]
                        if file_id not in api.files:
                            self._send(404, {"error": {"message": "no such file"}})
                        else:
                            self._send(200, None, raw=api.files[file_id])
                    else:
                        self._send(404, {"error": {"message": f"no route {path}"}})

            def do_POST(self) -> None:
                path = self.path.split("?")[0]
                body = self._body()
                with api.lock:
                    if path == "/v1/files":
                        message = BytesParser(policy=HTTP).parsebytes(
                            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                            + body)
                        parts = {part.get_param("name", header="content-disposition"): part
                                 for part in message.iter_parts()}
                        purpose = parts["purpose"].get_payload(decode=True)
                        assert purpose == b"batch", purpose
                        self._send(200, api.upload(parts["file"].get_payload(decode=True)))
                    elif path == "/v1/batches":
                        self._send(200, api.create(json.loads(body)))
                    elif path.startswith("/v1/batches/") and path.endswith("/cancel"):
                        self._send(200, api.cancel(path.split("/")[3]))
                    else:
                        self._send(404, {"error": {"message": f"no route {path}"}})

        return Handler
