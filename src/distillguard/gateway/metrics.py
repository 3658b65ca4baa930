"""A tiny Prometheus registry: counters, gauges and histograms in text exposition format.

Hand-written because the hot path increments a few counters per request and a client
library's locking and label machinery would cost more than the proxying itself. The
gateway is single-threaded per process (asyncio), so plain dicts need no locks; gauges
that other threads own (log queue depth) are read through callbacks at scrape time.
With ``--workers N`` each process keeps its own registry and labels its samples with
``worker``; Prometheus sums them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

__all__ = ["Counter", "Gauge", "Histogram", "Registry"]

Labels = tuple[str, ...]


def _fmt_labels(names: tuple[str, ...], values: Labels, extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_: str, labels: tuple[str, ...] = ()) -> None:
        self.name = name
        self.help = help_
        self.labels = labels
        self.values: dict[Labels, float] = {}

    def inc(self, *labels: str, by: float = 1.0) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + by

    def render(self, base: tuple[str, ...], base_values: Labels) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for key, value in sorted(self.values.items()):
            out.append(
                f"{self.name}{_fmt_labels(base + self.labels, base_values + key)} {_num(value)}"
            )
        return out


class Gauge:
    """A value read at scrape time from a callback (or set directly)."""

    def __init__(self, name: str, help_: str, fn: Callable[[], float] | None = None) -> None:
        self.name = name
        self.help = help_
        self.fn = fn
        self.value = 0.0

    def set(self, value: float) -> None:
        self.value = value

    def render(self, base: tuple[str, ...], base_values: Labels) -> list[str]:
        value = self.fn() if self.fn is not None else self.value
        return [
            f"# HELP {self.name} {self.help}",
            f"# TYPE {self.name} gauge",
            f"{self.name}{_fmt_labels(base, base_values)} {_num(float(value))}",
        ]


class Histogram:
    """Observations counted into fixed buckets (upper bounds, seconds)."""

    def __init__(
        self, name: str, help_: str, buckets: tuple[float, ...], labels: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.help = help_
        self.buckets = tuple(sorted(buckets))
        self.labels = labels
        self.series: dict[Labels, list[float]] = {}  # bucket counts..., +Inf, sum

    def observe(self, value: float, *labels: str) -> None:
        row = self.series.get(labels)
        if row is None:
            row = self.series[labels] = [0.0] * (len(self.buckets) + 2)
        row[bisect.bisect_left(self.buckets, value)] += 1
        row[-1] += value

    def render(self, base: tuple[str, ...], base_values: Labels) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        names = base + self.labels
        for key, row in sorted(self.series.items()):
            values = base_values + key
            cumulative = 0.0
            for bound, count in zip(self.buckets, row, strict=False):
                cumulative += count
                le = f'le="{bound:g}"'
                out.append(f"{self.name}_bucket{_fmt_labels(names, values, le)} {_num(cumulative)}")
            cumulative += row[len(self.buckets)]
            inf = _fmt_labels(names, values, 'le="+Inf"')
            out.append(f"{self.name}_bucket{inf} {_num(cumulative)}")
            out.append(f"{self.name}_sum{_fmt_labels(names, values)} {row[-1]!r}")
            out.append(f"{self.name}_count{_fmt_labels(names, values)} {_num(cumulative)}")
        return out


class Registry:
    """The gateway's metrics; :meth:`render` gives the text exposition body."""

    def __init__(self, worker: str = "0") -> None:
        self._base = ("worker",)
        self._base_values: Labels = (worker,)
        self._metrics: list[Counter | Gauge | Histogram] = []

    def counter(self, name: str, help_: str, labels: tuple[str, ...] = ()) -> Counter:
        metric = Counter(name, help_, labels)
        self._metrics.append(metric)
        return metric

    def gauge(self, name: str, help_: str, fn: Callable[[], float] | None = None) -> Gauge:
        metric = Gauge(name, help_, fn)
        self._metrics.append(metric)
        return metric

    def histogram(
        self, name: str, help_: str, buckets: tuple[float, ...], labels: tuple[str, ...] = ()
    ) -> Histogram:
        metric = Histogram(name, help_, buckets, labels)
        self._metrics.append(metric)
        return metric

    def render(self) -> bytes:
        lines: list[str] = []
        for metric in self._metrics:
            lines.extend(metric.render(self._base, self._base_values))
        return ("\n".join(lines) + "\n").encode()


LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
)


class GatewayMetrics:
    """The named metrics the gateway updates."""

    def __init__(self, worker: str = "0") -> None:
        r = self.registry = Registry(worker)
        self.requests = r.counter(
            "distillguard_requests_total",
            "Requests answered, by route and status",
            ("route", "status"),
        )
        self.latency = r.histogram(
            "distillguard_request_duration_seconds",
            "Time from request to last byte, by route",
            LATENCY_BUCKETS,
            ("route",),
        )
        self.upstream_errors = r.counter(
            "distillguard_upstream_errors_total", "Upstream failures, by kind", ("kind",)
        )
        self.decisions = r.counter(
            "distillguard_decisions_total",
            "Policy decisions, by verdict and outcome",
            ("verdict", "outcome"),
        )
        self.verdict_changes = r.counter(
            "distillguard_verdict_changes_total",
            "Verdict changes applied by the live detector",
            ("verdict",),
        )
        self.log_queue = r.gauge(
            "distillguard_log_queue_depth", "Exchange records waiting to be written"
        )
        self.log_lag = r.gauge(
            "distillguard_log_lag_seconds", "Age of the oldest unwritten exchange record"
        )
        self.log_errors = r.counter("distillguard_log_errors_total", "Exchange log write failures")
        self.detector_lag = r.gauge(
            "distillguard_detector_queue_depth", "Logged exchanges waiting for the live detector"
        )

    def render(self) -> bytes:
        return self.registry.render()
