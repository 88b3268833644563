"""Prometheus metrics (METRICS_ENABLED): requests, latency, requests in flight, connection
pools, statement durations, rate-limit rejections, reads per database, the change feed's head
and the replicas' lag. Served at /metrics by app/routes/metrics.py.

Each app has a registry of its own. With PROMETHEUS_MULTIPROC_DIR set, prometheus-client keeps
every worker's values in files there, and /metrics adds up the workers of the machine, whichever
worker answers the scrape. What is a fact about a database (heads, lag, health) is measured when
scraped, by the worker that answers.

When metrics are off none of this is built: no event listeners on the engines, nothing counted,
and nothing imported (prometheus-client would cost every worker about 2.5 MB): the app
imports this module only when metrics (or tracing, for `statement_kind`) are on, and the
middleware names `Metrics` for type checking only.
"""

import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from app.store.engine import PRIMARY, Databases, Pool
from app.store.replicas import change_head

UNMATCHED_ROUTE = "unmatched"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Request latency: from a 304 (about a millisecond) to a large export.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STATEMENT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2)
STATEMENT_KINDS = {"select", "insert", "update", "delete", "with", "copy"}
STARTED = "claimbase_statement_started"


def statement_kind(statement: str) -> str:
    words = statement.lstrip().split(None, 1)
    kind = words[0].lower() if words else ""
    return kind if kind in STATEMENT_KINDS else "other"


class Metrics:
    def __init__(self, databases: Databases, multiprocess_dir: str | None = None) -> None:
        self.databases = databases
        self.multiprocess_dir = multiprocess_dir
        self.registry = registry = CollectorRegistry()

        def counter(name: str, documentation: str, *labels: str) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        def histogram(name: str, documentation: str, buckets: Any, *labels: str) -> Histogram:
            return Histogram(name, documentation, labels, buckets=buckets, registry=registry)

        def live(name: str, documentation: str, *labels: str) -> Gauge:
            # Summed over the live workers in multiprocess mode.
            return Gauge(
                name, documentation, labels, registry=registry, multiprocess_mode="livesum"
            )

        self.requests = counter(
            "claimbase_http_requests",
            "HTTP requests answered, by method, route template and status.",
            *("method", "route", "status"),
        )
        self.latency = histogram(
            "claimbase_http_request_duration_seconds",
            "Time from a request's arrival to its last byte sent, by method and route template.",
            REQUEST_BUCKETS,
            *("method", "route"),
        )
        self.in_flight = live("claimbase_http_requests_in_flight", "Requests being served.")
        self.connections_in_use = live(
            "claimbase_db_connections_in_use",
            "Pooled database connections checked out, by database and pool.",
            *("database", "pool"),
        )
        self.pool_capacity = live(
            "claimbase_db_pool_capacity",
            "Connections a pool may open (its size plus overflow), by database and pool.",
            *("database", "pool"),
        )
        self.statements = histogram(
            "claimbase_db_statement_duration_seconds",
            "SQL statement durations, by kind (select, insert, update, delete, with, copy, other).",
            STATEMENT_BUCKETS,
            "kind",
        )
        self.rate_limited = counter(
            "claimbase_rate_limit_rejections",
            "Requests refused with 429, by limit (writes, expensive-reads).",
            "limit",
        )
        self.reads = counter(
            "claimbase_reads",
            "API reads by the database that served them (with replicas configured), and why.",
            *("database", "reason"),
        )
        self.database_collector = DatabaseCollector(databases)
        registry.register(self.database_collector)
        for pool in databases.pools():
            self.instrument(pool)

    def instrument(self, pool: Pool) -> None:
        """Pool use and statement durations, from the engine's events."""
        in_use = self.connections_in_use.labels(pool.database, pool.role)
        self.pool_capacity.labels(pool.database, pool.role).set(pool.capacity)
        engine: Engine = pool.engine
        statements = self.statements

        @event.listens_for(engine, "checkout")
        def checked_out(*_: Any) -> None:
            in_use.inc()

        @event.listens_for(engine, "checkin")
        def checked_in(*_: Any) -> None:
            in_use.dec()

        @event.listens_for(engine, "before_cursor_execute")
        def before(connection: Any, *_: Any) -> None:
            connection.info[STARTED] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            started = connection.info.pop(STARTED, None)
            if started is not None:
                kind = statement_kind(statement)
                statements.labels(kind).observe(time.perf_counter() - started)

    def observe_request(self, method: str, route: str | None, status: int, seconds: float) -> None:
        template = route or UNMATCHED_ROUTE
        self.requests.labels(method, template, str(status)).inc()
        self.latency.labels(method, template).observe(seconds)

    def render(self) -> bytes:
        """The text exposition: this process's values, or every worker's in multiprocess mode."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        registry.register(self.database_collector)
        return generate_latest(registry)

    def process_exiting(self) -> None:
        """Drops this process's live gauges (in flight, pools) from the workers' sum."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]


class DatabaseCollector(Collector):
    """Facts about the databases, measured at scrape time: each one's change head, whether it
    answers, and each replica's lag and health as its monitor last found them."""

    def __init__(self, databases: Databases) -> None:
        self.databases = databases

    def collect(self) -> Iterator[GaugeMetricFamily]:
        head = GaugeMetricFamily(
            "claimbase_change_head",
            "The newest change id a database holds (the head of the change feed).",
            labels=["database"],
        )
        up = GaugeMetricFamily(
            "claimbase_database_up", "1 when the database answered.", labels=["database"]
        )
        try:
            with self.databases.write_engine.connect() as connection:
                head.add_metric([PRIMARY], change_head(connection))
            up.add_metric([PRIMARY], 1)
        except SQLAlchemyError:
            up.add_metric([PRIMARY], 0)
        lag = GaugeMetricFamily(
            "claimbase_replica_lag_seconds",
            "How long ago the oldest change a replica has not replayed was written (0: none).",
            labels=["replica"],
        )
        healthy = GaugeMetricFamily(
            "claimbase_replica_healthy",
            "1 when a replica serves reads: it answers and lags less than the bound.",
            labels=["replica"],
        )
        for replica in self.databases.replicas.replicas:
            state = replica.state
            up.add_metric([replica.name], 1 if state.reachable else 0)
            if state.reachable:
                head.add_metric([replica.name], state.head)
            if state.lag_seconds is not None:
                lag.add_metric([replica.name], state.lag_seconds)
            healthy.add_metric([replica.name], 1 if state.healthy else 0)
        yield from (head, up, lag, healthy)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
