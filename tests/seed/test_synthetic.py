"""`python -m seed synthetic`: a deterministic, valid corpus loaded through the bulk path."""

import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select

from app.store.engine import build_engine
from app.store.models import Claim, Source, Speaker, Statistic, claim_topic
from seed.__main__ import main
from seed.background import STREAMING_GC_YOUNG_THRESHOLD, generated_batches
from seed.bundle import Problem, SeedBundle, SeedError
from seed.synthetic import ORIGIN, Generator
from tests.conftest import app_on
from tests.support.databases import dump_tables
from tests.support.helpers import walk


def test_synthetic_corpus_loads_once_with_verbatim_spans(empty_database: str) -> None:
    assert main(["synthetic", "--claims", "700", "--database-url", empty_database]) == 0
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        counts = {
            table.__tablename__: connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
            for table in (Claim, Source, Speaker, Statistic)
        }
        links = connection.execute(select(func.count()).select_from(claim_topic)).scalar_one()
        texts = dict(connection.execute(select(Source.id, Source.text)).all())
        claims = connection.execute(
            select(Claim.id, Claim.source_id, Claim.text, Claim.span_start, Claim.span_end)
        ).all()
        figures = connection.execute(
            select(
                Statistic.display, Statistic.span_start, Statistic.span_end, Claim.source_id
            ).join(Claim, Claim.id == Statistic.claim_id)
        ).all()
    engine.dispose()
    assert counts["claim"] == 700
    assert counts["speaker"] == 14
    assert 250 <= counts["statistic"] <= 450  # about one per two claims
    assert links >= 700  # every claim has a topic, some two
    for _id, source_id, text, start, end in claims:
        assert texts[source_id][start:end] == text
    for display, start, end, source_id in figures:
        assert texts[source_id][start:end] == display
    # A second load into the same database is refused and changes nothing.
    assert main(["synthetic", "--claims", "10", "--database-url", empty_database]) == 1


def test_synthetic_corpus_is_deterministic_and_skewed() -> None:
    first = next(Generator(2000, seed=3).batches())
    second = next(Generator(2000, seed=3).batches())
    other = next(Generator(2000, seed=4).batches())
    assert first.claims == second.claims
    assert first.statistics == second.statistics
    assert first.claims != other.claims
    by_speaker: dict[str, int] = {}
    for claim in first.claims:
        if claim["speaker_id"] is not None:
            by_speaker[claim["speaker_id"]] = by_speaker.get(claim["speaker_id"], 0) + 1
    ranked = sorted(by_speaker.values(), reverse=True)
    assert ranked[0] > 5 * ranked[len(ranked) // 2]  # a few speakers have most claims


def test_synthetic_refuses_a_zero_size(empty_database: str) -> None:
    assert main(["synthetic", "--claims", "0", "--database-url", empty_database]) == 2


def test_search_finds_synthetic_claims_and_their_figures(empty_database: str) -> None:
    # The bulk load drops and rebuilds the secondary indexes; the full-text index must still
    # hold every claim (SQLite triggers, PostgreSQL generated column).
    assert main(["synthetic", "--claims", "700", "--database-url", empty_database]) == 0
    engine = build_engine(empty_database)
    with engine.connect() as connection:
        claims = dict(connection.execute(select(Claim.id, Claim.text)).all())
        figures = connection.execute(select(Statistic.id, Statistic.claim_id)).all()
    with TestClient(app_on(engine)) as client:
        for claim_id in ("claim-00000001", "claim-00000350", "claim-00000700"):
            q = quote('"' + " ".join(claims[claim_id].split()[:6]) + '"')
            found = walk(client, f"/v1/claims?q={q}&limit=100")
            assert claim_id in [claim["id"] for claim in found], q
            assert all("<mark>" in claim["snippet"] for claim in found)
        statistic_id, claim_id = figures[-1]
        q = quote('"' + " ".join(claims[claim_id].split()[:6]) + '"')
        statistics = walk(client, f"/v1/statistics?q={q}&limit=100")
        assert statistic_id in [statistic["id"] for statistic in statistics], q
        matching = {claim["id"] for claim in walk(client, f"/v1/claims?q={q}&limit=100")}
        response = client.get(f"/v1/search?q={q}&limit=50")
        assert response.status_code == 200, response.text
        searched = response.json()
        assert searched["claims"], q
        assert {claim["id"] for claim in searched["claims"]} <= matching
        assert searched["statistics"], q
        assert {s["claim_id"] for s in searched["statistics"]} <= matching
    engine.dispose()


def test_synthetic_records_are_created_versions_in_the_change_feed(empty_database: str) -> None:
    # The bulk path is the one path for new records: each synthetic record is version 1 with
    # its `create` change, so the feed and the version history hold it like any other.
    assert main(["synthetic", "--claims", "60", "--database-url", empty_database]) == 0
    engine = build_engine(empty_database)
    with engine.connect() as connection:
        expected = {
            table.__tablename__: set(connection.execute(select(table.id)).scalars())
            for table in (Claim, Source, Speaker, Statistic)
        }
    with TestClient(app_on(engine)) as client:
        created: dict[str, set[str]] = {name: set() for name in expected}
        url = "/v1/changes?limit=100"
        while True:
            response = client.get(url)
            assert response.status_code == 200, response.text
            page = response.json()
            if not page["data"]:
                break
            for change in page["data"]:
                assert (change["operation"], change["version"]) == ("create", 1), change
                assert change["author"] == "synthetic"
                created.setdefault(change["resource"], set()).add(change["id"])
            url = f"/v1/changes?limit=100&cursor={page['next_cursor']}"
        for name, ids in expected.items():
            assert created[name] == ids, name
        claim = client.get("/v1/claims/claim-00000001")
        assert claim.status_code == 200, claim.text
        versions = client.get("/v1/claims/claim-00000001/versions")
        assert versions.status_code == 200, versions.text
        assert [(v["version"], v["operation"]) for v in versions.json()["data"]] == [(1, "create")]
        first = client.get("/v1/claims/claim-00000001/versions/1")
        assert first.status_code == 200, first.text
        assert first.json()["text"] == claim.json()["text"]
    engine.dispose()


def _catalogue(engine: Engine) -> list[tuple[str, ...]]:
    """What a bulk load drops and rebuilds: every index, on PostgreSQL every constraint, on
    SQLite every trigger and full-text table, exactly as the database stores them."""
    sqlite = (
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
    )
    postgresql = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
    )
    with engine.connect() as connection:
        query = sqlite if connection.dialect.name == "sqlite" else postgresql
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def _found(client: TestClient, claim_text: str) -> list[str]:
    q = quote('"' + " ".join(claim_text.split()[:6]) + '"')
    return [claim["id"] for claim in walk(client, f"/v1/claims?q={q}&limit=100")]


# 10 claims into the article's 34 keeps the indexes and triggers in place; 700 drops and
# rebuilds them (the load at least doubles the claims).
@pytest.mark.parametrize("claims", [10, 700])
def test_synthetic_corpus_loads_into_a_seeded_database(empty_database: str, claims: int) -> None:
    assert main(["--database-url", empty_database]) == 0
    engine = build_engine(empty_database)
    catalogue = _catalogue(engine)
    assert main(["synthetic", "--claims", str(claims), "--database-url", empty_database]) == 0
    assert _catalogue(engine) == catalogue
    with engine.connect() as connection:
        texts = dict(connection.execute(select(Claim.id, Claim.text)).all())
        if connection.dialect.name == "sqlite":
            # Checks the full-text index against the claim table itself, row by row.
            connection.exec_driver_sql(
                "INSERT INTO claim_fts(claim_fts, rank) VALUES ('integrity-check', 1)"
            )
    assert len(texts) == 34 + claims
    with TestClient(app_on(engine)) as client:
        for claim_id in ("nqpf-21", "claim-00000001", f"claim-{claims:08d}"):
            assert claim_id in _found(client, texts[claim_id]), claim_id
    engine.dispose()


def test_a_failed_bulk_load_leaves_the_database_as_before(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--database-url", empty_database]) == 0
    engine = build_engine(empty_database)
    before, catalogue = dump_tables(engine), _catalogue(engine)
    written = Generator.batches

    def fails_after_one_batch(generator: Generator) -> Iterator[SeedBundle]:
        yield next(written(generator))
        raise SeedError(Problem(ORIGIN, "claims", "the generator broke"))

    # The generator runs in a forked child, which inherits the patch; its error crosses back.
    monkeypatch.setattr(Generator, "batches", fails_after_one_batch)
    monkeypatch.setattr("seed.synthetic.BATCH_CLAIMS", 100)
    assert main(["synthetic", "--claims", "700", "--database-url", empty_database]) == 1
    assert dump_tables(engine) == before
    assert _catalogue(engine) == catalogue
    engine.dispose()


def test_the_collector_is_settled_while_the_corpus_streams_and_as_before_after() -> None:
    before = gc.get_threshold(), gc.get_freeze_count()
    batches = generated_batches(100, 5)
    assert next(batches).claims
    assert gc.get_threshold() == (STREAMING_GC_YOUNG_THRESHOLD, *before[0][1:])
    assert gc.get_freeze_count() >= max(before[1], 1)
    assert list(batches) == []
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


# A writer that takes one batch of a big corpus, names its generator child, and is killed.
KILLED_WRITER = """
import os, signal, multiprocessing
from seed.background import generated_batches
batches = generated_batches(1_000_000, 5)
next(batches)
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # an orphan's zombie waits for whoever adopted it


def test_the_generator_exits_when_its_writer_is_killed() -> None:
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER], stdout=subprocess.PIPE)
    assert writer.stdout is not None
    child = int(writer.stdout.readline())
    writer.stdout.close()
    writer.wait(timeout=60)
    deadline = time.monotonic() + 60  # the child finishes the batch it is making, then sends
    try:
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(child), f"generator {child} outlived its writer"
    finally:
        if _running(child):
            os.kill(child, signal.SIGKILL)
