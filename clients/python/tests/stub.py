"""A local HTTP server that answers canned responses and records every request, as the service's stand-in."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple


@dataclass
class Recorded:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: Tuple[Tuple[str, str], ...] = ()


def problem(status: int, slug: str, detail: str, retry_after: Optional[str] = None, **extra: Any) -> Answer:
    """An answer shaped as the service's problems are (web/Problem.java)."""
    body = {"type": "urn:oauth-refresher:problem:" + slug, "title": "Title", "status": status, "detail": detail}
    body.update(extra)
    headers = [("Content-Type", "application/problem+json")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    return Answer(status, json.dumps(body).encode("utf-8"), tuple(headers))


def ok(body: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(body).encode("utf-8"), (("Content-Type", "application/json"),))


class StubServer:
    """Answers queued responses in order (the last one repeats); ``requests`` is everything it received."""

    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self._answers: List[Answer] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with stub._lock:
                    stub.requests.append(Recorded(self.command, self.path,
                                                  {k.lower(): v for k, v in self.headers.items()}, body))
                    answer = stub._answers.pop(0) if len(stub._answers) > 1 else stub._answers[0]
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self._answers = list(answers)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
