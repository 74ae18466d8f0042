"""A local HTTP listener that records every request: proof that the service called out, or not."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

EMPTY_RESULTS = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'


@contextmanager
def listener() -> Iterator[tuple[str, list[str]]]:
    """Yield (base URL, list of received request lines); answers SPARQL JSON to everything."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(EMPTY_RESULTS)))
            self.end_headers()
            self.wfile.write(EMPTY_RESULTS)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", hits
    finally:
        server.shutdown()
        server.server_close()
