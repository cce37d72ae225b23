"""A local stand-in for an outbound HTTP API (Twilio, Telegram's Bot API).

It runs in a thread, records every request it receives (path, headers, decoded
form or JSON body; a multipart body's text fields and uploaded files) and answers
200 with a JSON body, or the statuses queued with `fail_next` first, so that tests
can check what the assistant sent and how it copes with a failing API.
"""

from __future__ import annotations

import email.message
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Upload:
    """A file in a multipart/form-data body, byte for byte."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)


def _header_params(name: str, value: str) -> email.message.Message:
    message = email.message.Message()
    message[name] = value
    return message


def parse_multipart(raw: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """The text fields and the files of a multipart/form-data body (RFC 7578)."""
    boundary = _header_params("Content-Type", content_type).get_param("boundary")
    assert isinstance(boundary, str) and boundary, f"no boundary in {content_type!r}"
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    delimiter = b"--" + boundary.encode()
    sections = raw.split(delimiter)
    assert sections[-1].strip() == b"--", "the body does not end with the closing delimiter"
    for section in sections[1:-1]:
        assert section.startswith(b"\r\n") and section.endswith(b"\r\n"), "malformed part"
        head, _, data = section[2:-2].partition(b"\r\n\r\n")
        headers = dict(line.decode().split(": ", 1) for line in head.split(b"\r\n"))
        headers = {name.lower(): value for name, value in headers.items()}
        disposition = _header_params("Content-Disposition", headers["content-disposition"])
        name = disposition.get_param("name", header="content-disposition")
        filename = disposition.get_filename()
        assert isinstance(name, str), "a part without a name"
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            files[name] = Upload(filename, headers.get("content-type", ""), data)
    return fields, files


@dataclass
class RecordingServer:
    """`answer(recorded)` builds the JSON body of a successful reply."""

    answer: Callable[[Recorded], Any] = lambda _: {"ok": True}
    requests: list[Recorded] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RecordingServer:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                raw = data.decode("utf-8", "replace")
                content_type = self.headers.get("Content-Type") or ""
                files: dict[str, Upload] = {}
                if content_type.startswith("multipart/form-data"):
                    body, files = parse_multipart(data, content_type)
                elif "json" in content_type:
                    body = json.loads(raw or "{}")
                else:
                    body = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                recorded = Recorded("POST", self.path, dict(self.headers), body, files)
                status, payload = recorder._record(recorded)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _record(self, recorded: Recorded) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(recorded)
            if self._failures:
                return self._failures.pop(0), {"ok": False, "error": "failure queued by the test"}
        return 200, self.answer(recorded)

    def fail_next(self, *statuses: int) -> None:
        """The next requests get these statuses (in order) instead of a 200."""
        with self._lock:
            self._failures.extend(statuses)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def matching(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        with self._lock:
            return [request for request in self.requests if predicate(request)]

    def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, timeout_s: float = 30.0
    ) -> list[Recorded]:
        """The matching requests once there are at least `count` of them."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} matching request(s) within {timeout_s}s, got {len(self.matching(predicate))}"
        )
