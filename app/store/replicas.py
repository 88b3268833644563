"""PostgreSQL read replicas (DATABASE_REPLICA_URLS): which are healthy, how far behind they are,
and which database serves a read.

A monitor thread per process checks every replica each REPLICA_CHECK_INTERVAL_SECONDS: its
change head (the newest change id it has replayed) and its lag, in seconds: how long ago the
oldest change it has not replayed yet was written on the primary (0 when it has them all). A
replica that cannot be reached, or lags more than REPLICA_MAX_LAG_SECONDS, serves no reads
until a later check finds it well again. Requests only read the monitor's latest findings
(one attribute each), so routing costs no query; a request that finds a replica down marks it
so at once.

Lag is measured on the change feed, the thing clients see, rather than on WAL positions: a
replica that stopped replicating looks "caught up" to itself, but not to the primary's feed.
"""

import itertools
import logging
import random
import threading
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("claimbase.replicas")
# The newest change a database holds; plain SQL, so this module needs no models.
CHANGE_HEAD = text("SELECT max(id) FROM change")
OLDEST_MISSING_CHANGE = text("SELECT at FROM change WHERE id > :head ORDER BY id LIMIT 1")


def change_head(connection: Connection) -> int:
    return int(connection.execute(CHANGE_HEAD).scalar() or 0)


@dataclass(frozen=True)
class ReplicaState:
    """What the latest check found. Replaced whole, never changed, so a request reads one
    consistent state without a lock."""

    checked: bool = False  # no check has finished yet: serve nothing until one has
    reachable: bool = False
    head: int = 0
    lag_seconds: float | None = None
    error: str | None = None
    max_lag_seconds: float = 0.0

    @property
    def healthy(self) -> bool:
        return (
            self.reachable
            and self.lag_seconds is not None
            and self.lag_seconds <= self.max_lag_seconds
        )


@dataclass
class Replica:
    name: str  # replica-1, replica-2...: by position in DATABASE_REPLICA_URLS, never the URL
    engine: Engine
    max_lag_seconds: float
    state: ReplicaState = field(init=False)

    def __post_init__(self) -> None:
        self.state = ReplicaState(max_lag_seconds=self.max_lag_seconds)

    def mark_down(self, reason: str) -> None:
        """A request could not use it: no reads go there until the monitor finds it well."""
        if self.state.reachable:
            logger.warning("%s: marked down (%s)", self.name, reason)
        self.state = replace(self.state, reachable=False, error=reason)


@dataclass
class ReadRoute:
    """How the current read is to be served (set by app.web.read_routing for /v1 reads)."""

    # Claimbase-Min-Change: the change the serving database must have replayed.
    min_change: int = 0
    # A retry after a replica failed mid-request: the primary serves it.
    primary_only: bool = False
    # The replica serving the read, if any; an error handler marks it down on failure.
    replica: Replica | None = None
    # The database chosen, and why: the labels of the reads metric.
    database: str = "primary"
    reason: str = "no-healthy-replica"


read_route: ContextVar[ReadRoute | None] = ContextVar("read_route", default=None)


class ReplicaSet:
    """The replicas of one primary, their monitor, and the choice of a replica for a read."""

    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[Replica],
        check_interval: float,
        primary_read_share: float = 0.0,
    ) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.check_interval = check_interval
        self.primary_read_share = primary_read_share
        self.primary_head = 0
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- routing -----------------------------------------------------------------------------

    def candidates(self, min_change: int) -> tuple[list[Replica], list[Replica]]:
        """Healthy replicas known to hold `min_change`, and healthy ones not known to yet."""
        known: list[Replica] = []
        unknown: list[Replica] = []
        for replica in self.replicas:
            state = replica.state
            if state.healthy:
                (known if state.head >= min_change else unknown).append(replica)
        return known, unknown

    def pick(self, replicas: list[Replica]) -> Replica:
        """Round robin, so that reads spread evenly over the healthy replicas."""
        return replicas[next(self._turn) % len(replicas)]

    def primary_takes_it(self) -> bool:
        """PRIMARY_READ_SHARE: the share of reads the primary keeps although a replica could
        serve them."""
        share = self.primary_read_share
        return share > 0 and (share >= 1 or random.random() < share)

    # -- monitoring --------------------------------------------------------------------------

    def start(self) -> None:
        if not self.replicas or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="replica-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:
                # A bug in one round must not end the monitoring: the replicas would keep
                # their last state for good.
                logger.exception("replica check failed")
            self._stop.wait(self.check_interval)

    def check(self) -> None:
        """One round: the primary's head, then each replica's head and lag."""
        try:
            with self.primary.connect() as connection:
                self.primary_head = change_head(connection)
        except SQLAlchemyError as error:
            # Lag is then measured against the last head seen: the replicas may well serve
            # reads while the primary is away.
            logger.warning("primary: change head unknown (%s)", error.__class__.__name__)
        for replica in self.replicas:
            replica.state = self._check_replica(replica)

    def _check_replica(self, replica: Replica) -> ReplicaState:
        bound = replica.max_lag_seconds
        try:
            with replica.engine.connect() as connection:
                head = change_head(connection)
        except SQLAlchemyError as error:
            if replica.state.reachable or not replica.state.checked:
                logger.warning("%s: unreachable (%s)", replica.name, error.__class__.__name__)
            return ReplicaState(True, False, replica.state.head, None, "unreachable", bound)
        lag = self._lag_seconds(head)
        state = ReplicaState(True, True, head, lag, None, bound)
        if lag is not None and lag > bound:
            state = replace(state, error=f"lags {lag:.1f} s behind the primary")
        if state.healthy != replica.state.healthy:
            logger.info("%s: %s", replica.name, "healthy" if state.healthy else state.error)
        return state

    def _lag_seconds(self, head: int) -> float | None:
        if head >= self.primary_head:
            return 0.0
        try:
            with self.primary.connect() as connection:
                at = connection.execute(OLDEST_MISSING_CHANGE, {"head": head}).scalar()
        except SQLAlchemyError:
            return None
        if at is None:
            return 0.0
        if at.tzinfo is None:  # SQLite-style naive UTC, should a backend hand one back
            at = at.replace(tzinfo=UTC)
        lag: float = (datetime.now(UTC) - at).total_seconds()
        return max(0.0, lag)
