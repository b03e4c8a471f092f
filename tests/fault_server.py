"""A scripted OpenAI-compatible endpoint for fault injection (401, 404, 429, 500, broken streams).

Used only where the real server cannot be made to misbehave on demand.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


def sse_chat(handler: BaseHTTPRequestHandler, words: list[str], break_after: int | None = None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    for i, word in enumerate(words):
        if break_after is not None and i == break_after:
            handler.wfile.flush()
            handler.connection.shutdown(2)  # drop the connection mid-stream
            return
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
        handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        handler.wfile.flush()
    end = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    handler.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
    handler.wfile.flush()


def error(handler: BaseHTTPRequestHandler, status: int, message: str,
          headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": {"message": message, "type": "error", "code": None}}).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


class FaultServer:
    """Serves replies from a list, one per request (the last one repeats)."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.requests: list[tuple[float, dict[str, Any], dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                index = len(server.requests)
                server.requests.append((time.monotonic(), body, dict(self.headers)))
                server.replies[min(index, len(server.replies) - 1)](self, body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class KeyedFaultServer(FaultServer):
    """Chooses a reply script by a marker found in the request body (e.g. a probe containing
    'FAULT-429'): the n-th request carrying that marker gets script[n] (the last repeats).
    Requests without a marker get a normal streamed reply."""

    def __init__(self, scripts: dict[str, list[Reply]], words: list[str] | None = None) -> None:
        self.scripts = scripts
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        normal_words = words or ["Sure", ", here", " it", " is", "."]

        def dispatch(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
            text = json.dumps(body)
            for marker, script in self.scripts.items():
                if marker in text:
                    with self.lock:
                        count = self.counts.get(marker, 0)
                        self.counts[marker] = count + 1
                    script[min(count, len(script) - 1)](handler, body)
                    return
            sse_chat(handler, normal_words)

        super().__init__([dispatch])


def ok(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    sse_chat(handler, ["Sure", ", here", " it", " is", "."])


def status(code: int, headers: dict[str, str] | None = None) -> Reply:
    return lambda handler, body: error(handler, code, f"scripted {code}", headers)


def drop_mid_stream(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    sse_chat(handler, ["Sure", ", here", " it", " is", "."], break_after=2)


def stall(seconds: float) -> Reply:
    def reply(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, "delta": {"content": "Sure"}, "finish_reason": None}]}
        handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        handler.wfile.flush()
        time.sleep(seconds)  # then go silent past the client's timeout
        with contextlib.suppress(OSError):
            handler.connection.shutdown(2)
    return reply
