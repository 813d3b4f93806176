"""The sync service's status port: `/healthz` (200 when the last cycle succeeded within three
intervals, else 503) and `/metrics` in Prometheus' text format. Loopback only; no
personal data, nothing that changes anything."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.domain.clock import clinic_now
from reconciler.sync.service import Health


def healthy(health: Health, now: datetime, interval: float) -> bool:
    last = health.last_success
    return last is not None and (now - last).total_seconds() <= 3 * interval + 1


def metrics(health: Health, now: datetime, interval: float) -> str:
    """The figures in Prometheus' text format."""
    lines = [
        "# HELP reconciler_sync_up 1 when the last cycle succeeded within three intervals.",
        "# TYPE reconciler_sync_up gauge",
        f"reconciler_sync_up {int(healthy(health, now, interval))}",
        "# HELP reconciler_sync_cycles_total Cycles run.",
        "# TYPE reconciler_sync_cycles_total counter",
        f"reconciler_sync_cycles_total {health.cycles}",
        "# HELP reconciler_sync_cycle_seconds How long the last cycle took.",
        "# TYPE reconciler_sync_cycle_seconds gauge",
        f"reconciler_sync_cycle_seconds {health.cycle_seconds:.6f}",
        "# HELP reconciler_sync_lease_held 1 while this service holds the account's lease.",
        "# TYPE reconciler_sync_lease_held gauge",
        f"reconciler_sync_lease_held {int(health.lease_held)}",
        "# HELP reconciler_sync_total What the cycles did, by what.",
        "# TYPE reconciler_sync_total counter",
    ]
    lines += [f'reconciler_sync_total{{what="{k}"}} {v}' for k, v in sorted(health.totals.items())]
    lines += [
        "# HELP reconciler_sync_errors_total Cycles that failed, by kind of error.",
        "# TYPE reconciler_sync_errors_total counter",
    ]
    lines += [
        f'reconciler_sync_errors_total{{kind="{k}"}} {v}' for k, v in sorted(health.errors.items())
    ]
    if health.last_success is not None:
        lines += [
            "# HELP reconciler_sync_seconds_since_success Since the last cycle that succeeded.",
            "# TYPE reconciler_sync_seconds_since_success gauge",
            f"reconciler_sync_seconds_since_success "
            f"{(now - health.last_success).total_seconds():.3f}",
        ]
    return "\n".join(lines) + "\n"


class StatusServer:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.port = int(server.server_address[1])
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_status(
    health: Health,
    port: int,
    interval: float,
    clock: Callable[[], datetime] = clinic_now,
) -> StatusServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            now = clock()
            if self.path == "/healthz":
                ok = healthy(health, now, interval)
                self._answer(200 if ok else 503, "ok\n" if ok else "failing\n")
            elif self.path == "/metrics":
                self._answer(200, metrics(health, now, interval), "text/plain; version=0.0.4")
            else:
                self._answer(404, "not found\n")

        def _answer(self, status: int, text: str, kind: str = "text/plain") -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the service's own log says what matters

    return StatusServer(ThreadingHTTPServer(("127.0.0.1", port), Handler))
