"""A local stand-in for OpenAI's files and fine_tuning.jobs endpoints, for the real openai SDK.

The real API cannot be reached from here. This server keeps the same shapes: multipart upload to
/v1/files, job creation, a job that advances validating_files → queued → running (with metrics
events) → succeeded (or failed) one step per status poll, and events listed newest first.
"""

from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STEPS = 3


class FineTuneServer:
    def __init__(self, fail_with: str | None = None, cancel_at_step: int | None = None) -> None:
        self.fail_with = fail_with
        self.cancel_at_step = cancel_at_step  # someone cancels the job (e.g. in a dashboard)
        self.files: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.polls: dict[str, int] = {}
        self.auth: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                server.auth.append(self.headers.get("Authorization", ""))
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with server.lock:
                    if self.path == "/v1/files":
                        self._send(200, server.upload(self.headers["Content-Type"], body))
                    elif self.path == "/v1/fine_tuning/jobs":
                        status, reply = server.create(json.loads(body))
                        self._send(status, reply)
                    elif self.path.startswith("/v1/fine_tuning/jobs/") and \
                            self.path.endswith("/cancel"):
                        job = server.jobs.get(self.path.split("/")[4])
                        if job is None:
                            self._send(404, {"error": {"message": "no such job"}})
                        else:
                            server.cancel(job)
                            self._send(200, job)
                    else:
                        self._send(404, {"error": {"message": "no such route"}})

            def do_GET(self) -> None:
                server.auth.append(self.headers.get("Authorization", ""))
                parts = self.path.split("?")[0].strip("/").split("/")
                with server.lock:
                    if parts[:3] == ["v1", "fine_tuning", "jobs"] and len(parts) >= 4:
                        job = server.jobs.get(parts[3])
                        if job is None:
                            self._send(404, {"error": {"message": f"no job {parts[3]}"}})
                        elif len(parts) == 5 and parts[4] == "events":
                            self._send(200, {"object": "list", "has_more": False,
                                             "data": list(reversed(server.events[job["id"]]))})
                        else:
                            self._send(200, server.poll(job))
                    else:
                        self._send(404, {"error": {"message": "no such route"}})

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def upload(self, content_type: str, body: bytes) -> dict[str, Any]:
        message = BytesParser(policy=default).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields = {part.get_param("name", header="content-disposition"): part
                  for part in message.iter_parts()}
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = fields["file"].get_payload(decode=True)
        return {"id": file_id, "object": "file", "bytes": len(self.files[file_id]),
                "created_at": int(time.time()), "filename": fields["file"].get_filename(),
                "purpose": fields["purpose"].get_content().strip(), "status": "processed"}

    def create(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if request.get("training_file") not in self.files:
            return 400, {"error": {"message": "training_file not found", "type": "invalid_request"}}
        job_id = f"ftjob-{len(self.jobs) + 1}"
        self.jobs[job_id] = {
            "id": job_id, "object": "fine_tuning.job", "model": request["model"],
            "created_at": int(time.time()), "status": "validating_files",
            "training_file": request["training_file"], "validation_file": None,
            "fine_tuned_model": None, "finished_at": None, "error": None,
            "hyperparameters": request.get("hyperparameters") or {"n_epochs": "auto"},
            "organization_id": "org-test", "result_files": [], "seed": request.get("seed", 0),
            "trained_tokens": None, "suffix": request.get("suffix")}
        self.events[job_id] = []
        self._event(job_id, f"Created fine-tuning job: {job_id}")
        return 200, self.jobs[job_id]

    def _event(self, job_id: str, message: str, data: dict[str, Any] | None = None) -> None:
        events = self.events[job_id]
        events.append({"id": f"ftevent-{job_id}-{len(events) + 1}",
                       "object": "fine_tuning.job.event", "created_at": int(time.time()),
                       "level": "info", "message": message,
                       "type": "metrics" if data else "message", "data": data})

    def cancel(self, job: dict[str, Any]) -> None:
        if job["status"] not in ("succeeded", "failed", "cancelled"):
            job.update(status="cancelled", finished_at=int(time.time()))
            self._event(job["id"], "Job cancelled")

    def poll(self, job: dict[str, Any]) -> dict[str, Any]:
        """Each status poll moves the job one step on."""
        count = self.polls.get(job["id"], 0) + 1
        self.polls[job["id"]] = count
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        if count == 1:
            job["status"] = "queued"
            self._event(job["id"], "Validated training file; job queued")
        elif self.cancel_at_step is not None and count - 1 == self.cancel_at_step:
            self.cancel(job)
        elif count <= 1 + STEPS:
            job["status"] = "running"
            step = count - 1
            self._event(job["id"], f"Step {step}/{STEPS}: training loss={1.0 / step:.3f}",
                        {"step": step, "total_steps": STEPS, "train_loss": 1.0 / step})
        elif self.fail_with:
            job.update(status="failed", finished_at=int(time.time()),
                       error={"code": "invalid_training_file", "message": self.fail_with,
                              "param": "training_file"})
            self._event(job["id"], f"Job failed: {self.fail_with}")
        else:
            suffix = job.get("suffix") or "custom"
            job.update(status="succeeded", finished_at=int(time.time()), trained_tokens=1234,
                       fine_tuned_model=f"ft:{job['model']}:org-test:{suffix}:abc123")
            self._event(job["id"], "The job has successfully completed")
        return job

    def __enter__(self) -> FineTuneServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
