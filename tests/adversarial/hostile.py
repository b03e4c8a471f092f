"""A hostile OpenAI-compatible endpoint's replies, and what no output may contain."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

SECRET = "sk-test-secret-0123456789abcdef"
# Bytes below 0x20 other than newline and tab, DEL and C1 controls, bidi overrides/isolates.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EVIL = "\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202eevil<script>x</script>"


def _raw(handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def _sse(handler: BaseHTTPRequestHandler, lines: list[bytes]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    for line in lines:
        handler.wfile.write(b"data: " + line + b"\n\n")
        handler.wfile.flush()


def _chunk(text: str) -> bytes:
    return json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                       "choices": [{"index": 0, "delta": {"content": text},
                                    "finish_reason": None}]}).encode()


def non_utf8_sse(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    _sse(handler, [_chunk("Start "), b"\xff\xfe\xfd{\x80"])


def non_json_sse(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    _sse(handler, [_chunk("Start "), b'{"choices": [oops'])


def html_502(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    page = f"<html><body><h1>Bad gateway</h1>{EVIL}</body></html>"
    _raw(handler, 502, page.encode(), "text/html")


def ansi_json_error(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    error = json.dumps({"error": {"message": f"bad request {EVIL}", "type": "x", "code": None}})
    _raw(handler, 400, error.encode(), "application/json")


def header_echo(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    page = "<html>proxy error; you sent: " + "; ".join(
        f"{k}: {v}" for k, v in handler.headers.items()) + "</html>"
    _raw(handler, 502, page.encode(), "text/html")


def huge_line(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    _sse(handler, [b"x" * 2_000_000])


def evil_reply(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    """A reply that completes, with escapes and markup in the model's own text."""
    _sse(handler, [_chunk(f"Here: {EVIL} [bold]markup[/bold]\n"), json.dumps({
        "id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).encode(), b"[DONE]"])


FAILING = {"non_utf8_sse": non_utf8_sse, "non_json_sse": non_json_sse, "html_502": html_502,
           "ansi_json_error": ansi_json_error, "header_echo": header_echo,
           "huge_line": huge_line}
