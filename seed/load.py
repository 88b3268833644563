"""Writes a validated bundle in one transaction, as versions authored by `seed`: new records
are created, records whose seed entry changed get a new version, the rest are left alone; and
sources, claims and statistics the files no longer hold are retracted, with a reason.

Each record remembers the hash of the seed entry it was last loaded from (`seed_hash`), so a
record corrected through the API keeps its correction until its seed entry itself changes, and
a record retracted through the API stays retracted (one the seed retracted comes back when its
entry does).
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Engine, RowMapping, Table, func, select, tuple_, update

from app.store.engine import WRITE_OPTION
from app.store.models import (
    Change,
    ChangeOperation,
    Claim,
    Source,
    Statistic,
    claim_topic,
    utc_now,
)
from app.store.temporal import RESOURCE_TABLES
from app.write.versioning import (
    SEED_AUTHOR,
    SYNTHETIC_AUTHOR,
    changed_fields,
    chunks,
    insert_new_records,
    retract_record,
    topics_of,
    update_record,
)
from seed.background import generated_batches
from seed.bulk import (
    derived_structures_rebuilt_after,
    direct_writes_while_empty,
    prepare_connection,
)
from seed.bundle import Problem, Row, SeedBundle, SeedError
from seed.progress import Progress
from seed.synthetic import ORIGIN, Generator, record_id

AUTHOR = SEED_AUTHOR
CREATE_REASON = "loaded from the seed files"
UPDATE_REASON = "the seed file changed"
REMOVED_REASON = "removed from the seed files"
RESTORED_REASON = "back in the seed files"
SYNTHETIC_REASON = "synthetic corpus for benchmarks"


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retracted: int = 0


# What the loader writes from an entry by a rule the seed files do not hold (a source's
# outline, app/resources/citations.py): left out of the entry's hash, so a change of the rule
# does not make every entry look changed, and write over the corrections made since.
DERIVED_COLUMNS = ("outline",)


def seed_hash(row: Row, topics: list[str] | None = None) -> str:
    entry = {key: value for key, value in row.items() if key not in DERIVED_COLUMNS}
    if topics is not None:
        entry["topics"] = topics
    return hashlib.sha256(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _existing(connection: Connection, table: Table, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(ids):
        for row in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = row
    return found


def insert_new_records_from_seed(
    connection: Connection, resource: str, rows: Sequence[Row], at: datetime, links: Sequence[Row]
) -> None:
    insert_new_records(
        connection, resource, rows, at=at, author=AUTHOR, reason=CREATE_REASON, links=links
    )


def _load(
    connection: Connection,
    resource: str,
    rows: list[Row],
    now: datetime,
    topics: dict[str, list[str]] | None = None,
) -> TableReport:
    report = TableReport()
    table = RESOURCE_TABLES[resource][0]
    existing = _existing(connection, table, [row["id"] for row in rows])
    restorable = _retracted_by_seed(connection, resource, existing.values())
    fresh: list[Row] = []
    links: list[Row] = []
    for row in rows:
        wanted_topics = None if topics is None else sorted(topics[row["id"]])
        digest = seed_hash(row, wanted_topics)
        current = existing.get(row["id"])
        if current is None:
            fresh.append({**row, "seed_hash": digest})
            links += [{"claim_id": row["id"], "topic_id": t} for t in wanted_topics or []]
            continue
        if current["id"] in restorable:
            values = {**row, "seed_hash": digest, "retracted_at": None}
            update_record(
                connection,
                resource,
                current,
                values,
                author=AUTHOR,
                reason=RESTORED_REASON,
                topics=wanted_topics,
            )
            report.updated += 1
            continue
        if current["seed_hash"] == digest or current["retracted_at"] is not None:
            report.unchanged += 1
            continue
        same_topics = wanted_topics is None or wanted_topics == topics_of(connection, row["id"])
        if not changed_fields(current, row) and same_topics:
            # Already holds exactly this entry (a first load before seed hashes, or an API
            # correction identical to the new file): remember the entry, make no version.
            connection.execute(
                update(table).where(table.c.id == row["id"]).values(seed_hash=digest)
            )
            report.unchanged += 1
            continue
        update_record(
            connection,
            resource,
            current,
            {**row, "seed_hash": digest},
            author=AUTHOR,
            reason=UPDATE_REASON,
            topics=wanted_topics,
        )
        report.updated += 1
    insert_new_records_from_seed(connection, resource, fresh, now, links)
    report.created = len(fresh)
    return report


def _retracted_by_seed(
    connection: Connection, resource: str, rows: Iterable[Mapping[str, Any]]
) -> set[str]:
    """The retracted records among `rows` whose retraction was the seed's (their entries had
    left the files): such a record comes back when its entry does."""
    retracted = [row for row in rows if row["retracted_at"] is not None]
    found: set[str] = set()
    for chunk in chunks(retracted):
        keys = [(row["id"], row["version"]) for row in chunk]
        query = select(Change.record_id).where(
            Change.resource == resource,
            tuple_(Change.record_id, Change.version).in_(keys),
            Change.operation == ChangeOperation.retract.value,
            Change.author == AUTHOR,
        )
        found.update(connection.execute(query).scalars())
    return found


def _live(connection: Connection, resource: str, where: Any) -> list[RowMapping]:
    table = RESOURCE_TABLES[resource][0]
    query = select(table).where(table.c.retracted_at.is_(None), where).order_by(table.c.id)
    return list(connection.execute(query).mappings())


def _retract_removed(connection: Connection, bundle: SeedBundle) -> dict[str, int]:
    """Sources, claims, statistics and reviews loaded from the seed files that the files no
    longer hold are retracted by `seed`, with the reason. A removed source takes its live
    claims along, a removed claim its live figures and reviews, and a removed figure its
    reviews, those added through the API too: they quote words the API no longer serves.
    Speakers, topics and the vocabularies stay (API records may name them).

    Only the seeded sources' records are read (by index), whatever else the database holds."""
    kept = {
        "source": {row["id"] for row in bundle.sources},
        "claim": {row["id"] for row in bundle.claims},
        "statistic": {row["id"] for row in bundle.statistics},
        "review": {row["id"] for row in bundle.reviews},
    }
    sources = _live(connection, "source", RESOURCE_TABLES["source"][0].c.seed_hash.is_not(None))
    reasons: dict[str, dict[str, str]] = {name: {} for name in kept}
    for row in sources:
        if row["id"] not in kept["source"]:
            reasons["source"][row["id"]] = REMOVED_REASON
    for parent, child, key in (
        ("source", "claim", "source_id"),
        ("claim", "statistic", "claim_id"),
        ("claim", "review", "claim_id"),
        ("statistic", "review", "statistic_id"),
    ):
        parents = [row["id"] for row in sources] if parent == "source" else kept[parent]
        parents = sorted({*parents, *reasons[parent]})
        column = RESOURCE_TABLES[child][0].c[key]
        for chunk in chunks(parents):
            for row in _live(connection, child, column.in_(chunk)):
                if row[key] in reasons[parent]:
                    why = reasons[parent][row[key]]
                    # A review of a retracted claim's figure keeps the claim's reason.
                    reasons[child].setdefault(
                        row["id"], f"its {parent} {row[key]!r} is retracted: {why}"
                    )
                elif (
                    row["seed_hash"] is not None
                    and row["id"] not in kept[child]
                    and row["id"] not in reasons[child]
                ):
                    reasons[child][row["id"]] = REMOVED_REASON
    # Reviews first, then figures, claims, sources: no live record ever names a retracted one.
    for resource in ("review", "statistic", "claim", "source"):
        table = RESOURCE_TABLES[resource][0]
        for chunk in chunks(sorted(reasons[resource])):
            for row in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
                why = reasons[resource][row["id"]]
                retract_record(connection, resource, row, author=AUTHOR, reason=why)
    return {resource: len(reasons[resource]) for resource in reasons}


def write_bundle(engine: Engine, bundle: SeedBundle) -> dict[str, TableReport]:
    """All or nothing: any failure rolls the whole load back."""
    now = utc_now()
    topics: dict[str, list[str]] = defaultdict(list)
    for link in bundle.claim_topics:
        topics[link["claim_id"]].append(link["topic_id"])
    # Marked as a write so SQLite takes its write lock up front, like an API write.
    with (
        engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
        connection.begin(),
    ):
        reports = {
            "sources": _load(connection, "source", bundle.sources, now),
            "speakers": _load(connection, "speaker", bundle.speakers, now),
            "topics": _load(connection, "topic", bundle.topics, now),
            "units": _load(connection, "unit", bundle.units, now),
            "entities": _load(connection, "entity", bundle.entities, now),
            "indicators": _load(connection, "indicator", bundle.indicators, now),
            "claims": _load(connection, "claim", bundle.claims, now, topics),
            "statistics": _load(connection, "statistic", bundle.statistics, now),
            "reviews": _load(connection, "review", bundle.reviews, now),
        }
        for resource, count in _retract_removed(connection, bundle).items():
            reports[f"{resource}s"].retracted = count
        return reports


def _new_rows(connection: Connection, resource: str, rows: list[Row]) -> list[Row]:
    """The rows whose ids are not in the database yet (a synthetic corpus beside the seed)."""
    known = set(connection.execute(select(RESOURCE_TABLES[resource][0].c.id)).scalars())
    return [row for row in rows if row["id"] not in known]


def write_new_bundle(connection: Connection, bundle: SeedBundle) -> None:
    """Creates every record of `bundle`, which must all be new (the synthetic corpus), as
    version 1 with its `create` change, like any other new record."""
    now = utc_now()
    for resource, rows in (
        ("speaker", bundle.speakers),
        ("topic", bundle.topics),
        ("unit", bundle.units),
        ("entity", bundle.entities),
        ("indicator", bundle.indicators),
        ("source", bundle.sources),
        ("claim", bundle.claims),
        ("statistic", bundle.statistics),
    ):
        links = bundle.claim_topics if resource == "claim" else ()
        insert_new_records(
            connection,
            resource,
            rows,
            at=now,
            author=SYNTHETIC_AUTHOR,
            reason=SYNTHETIC_REASON,
            links=links,
        )


# The tables a synthetic corpus fills in bulk (speakers and topics are few, loaded first).
BULK_TABLES: tuple[Table, ...] = (
    cast(Table, Source.__table__),
    cast(Table, Claim.__table__),
    claim_topic,
    cast(Table, Statistic.__table__),
    cast(Table, Change.__table__),
)


def load_synthetic(
    engine: Engine, claims: int, seed: int, progress: Progress | None = None
) -> dict[str, int]:
    """Streams a synthetic corpus into the database in one transaction: all or nothing.

    Memory stays flat at any size: a batch is generated, validated, written and dropped.
    `progress` is told of every batch written, and of the phases after the last one.
    """
    generator = Generator(claims, seed)
    counts = {"speakers": 0, "topics": 0, "sources": 0, "claims": 0, "statistics": 0}
    # A writer like any other (see app.store.engine on_begin): SQLite's write lock and PostgreSQL's
    # writer lock are taken when the transaction begins.
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        prepare_connection(connection)
        with direct_writes_while_empty(connection, Claim.__tablename__), connection.begin():
            first_claim = select(Claim.id).where(Claim.id == record_id("claim", 1))
            if connection.execute(first_claim).first():
                raise SeedError(Problem(ORIGIN, "claims", "a synthetic corpus is loaded already"))
            # Rebuilding what derives from the tables re-reads the rows already there: worth it
            # when the load at least doubles them (always, into an empty database).
            existing = connection.execute(select(func.count()).select_from(Claim)).scalar_one()
            in_bulk = [table.name for table in BULK_TABLES] if existing <= claims else []
            wanted = {"topic": generator.topics(), **generator.vocabularies()}
            new = {kind: _new_rows(connection, kind, rows) for kind, rows in wanted.items()}
            first = SeedBundle(
                speakers=generator.speakers,
                topics=new["topic"],
                units=new["unit"],
                entities=new["entity"],
                indicators=new["indicator"],
            )
            write_new_bundle(connection, first)
            counts["speakers"], counts["topics"] = len(first.speakers), len(first.topics)
            with derived_structures_rebuilt_after(connection, in_bulk):
                for bundle in generated_batches(claims, seed):
                    write_new_bundle(connection, bundle)
                    counts["sources"] += len(bundle.sources)
                    counts["claims"] += len(bundle.claims)
                    counts["statistics"] += len(bundle.statistics)
                    if progress is not None:
                        progress.advance(len(bundle.claims))
                if progress is not None and in_bulk:
                    progress.note("rebuilding the indexes and the search index")
            # Fresh statistics, so the planner knows how selective each index now is.
            if progress is not None:
                progress.note("updating the planner's statistics")
            connection.exec_driver_sql("ANALYZE")
        if connection.dialect.name == "postgresql":
            # Sets the visibility map, without which an index-only scan (a count on an
            # indexed filter) still visits every row's page. VACUUM needs autocommit.
            vacuum = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in BULK_TABLES:
                vacuum.exec_driver_sql(f'VACUUM "{table.name}"')
    return counts
