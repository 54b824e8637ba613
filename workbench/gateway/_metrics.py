"""Gateway counters in the Prometheus text format (no client library: a few labelled counters).

>>> m = Metrics()
>>> m.observe("allow", "ok", 12.0)
>>> 'workbench_gateway_requests_total{action="allow",status="ok"} 1' in m.render({})
True
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter

BUCKETS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)


class Metrics:
    """Requests by guard action and status, rejections, and a latency histogram."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter = Counter()
        self.rejected = 0
        self.inflight = 0
        self._buckets = [0] * (len(BUCKETS_MS) + 1)
        self._sum_ms = 0.0
        self._count = 0

    def observe(self, action: str, status: str, latency_ms: float) -> None:
        with self._lock:
            self.requests[(action, status)] += 1
            self._buckets[bisect.bisect_left(BUCKETS_MS, latency_ms)] += 1
            self._sum_ms += latency_ms
            self._count += 1

    def render(self, gauges: dict[str, float]) -> str:
        """The exposition text; ``gauges`` adds ``workbench_gateway_<name>`` values."""
        out = [
            "# HELP workbench_gateway_requests_total Chat completions served, by guard action.",
            "# TYPE workbench_gateway_requests_total counter",
        ]
        with self._lock:
            for (action, status), n in sorted(self.requests.items()):
                out.append(
                    f'workbench_gateway_requests_total{{action="{action}",status="{status}"}} {n}'
                )
            out += [
                "# TYPE workbench_gateway_rejected_total counter",
                f"workbench_gateway_rejected_total {self.rejected}",
                "# TYPE workbench_gateway_inflight gauge",
                f"workbench_gateway_inflight {self.inflight}",
                "# HELP workbench_gateway_latency_ms Time from request to response, in ms.",
                "# TYPE workbench_gateway_latency_ms histogram",
            ]
            acc = 0
            for le, n in zip((*BUCKETS_MS, "+Inf"), self._buckets, strict=True):
                acc += n
                out.append(f'workbench_gateway_latency_ms_bucket{{le="{le}"}} {acc}')
            out += [
                f"workbench_gateway_latency_ms_sum {self._sum_ms:.3f}",
                f"workbench_gateway_latency_ms_count {self._count}",
            ]
        for name, value in sorted(gauges.items()):
            out += [f"# TYPE workbench_gateway_{name} gauge", f"workbench_gateway_{name} {value}"]
        return "\n".join(out) + "\n"
