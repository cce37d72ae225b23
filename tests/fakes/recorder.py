"""A local stand-in for an outbound HTTP API (Twilio, Telegram's Bot API).

It runs in a thread, records every request it receives (path, headers, decoded
form or JSON body) and answers 200 with a JSON body, or the statuses queued with
`fail_next` first, so that tests can check what the assistant sent and how it
copes with a failing API.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


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
                raw = self.rfile.read(length).decode("utf-8", "replace")
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                recorded = Recorded("POST", self.path, dict(self.headers), body)
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
