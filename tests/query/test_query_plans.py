"""Query plans of the main list shapes: the SQL the app runs is served by an index and never
sorts a whole table, on a synthetic corpus big enough for the planner to care, now and
`as_of` a moment whose versions are partly in the history tables."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from app.query.grammar import ChangeListParams, RecordListParams
from app.query.ranking import Block, block_query, older_block_query
from app.query.reads import list_query
from app.resources import CLAIM, SCHEMAS, SOURCE, SPEAKER, STATISTIC
from app.resources.kernel import Resource
from app.routes.changes import feed_page
from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.temporal import CURRENT, RESOURCE_TABLES, tables_at
from app.write.versioning import update_record
from seed.load import load_synthetic
from tests.support.databases import fresh_database

CLAIMS = 30_000
# Claims corrected after the load, so that `as_of` the load reads 10 % of them from history.
EDITED = 3_000
# Tables a plan may not read from end to end.
BIG_TABLES = {"claim", "claim_topic", "statistic", "source", "claim_history", "change"}

# List name -> (its query parameters, the resource): the app's own descriptions, so the plans
# checked are those of the SQL the API runs.
RESOURCES: dict[str, tuple[type[RecordListParams], Resource]] = {
    "claims": (SCHEMAS["claim"].list_params, CLAIM),
    "statistics": (SCHEMAS["statistic"].list_params, STATISTIC),
    "speakers": (SCHEMAS["speaker"].list_params, SPEAKER),
    "sources": (SCHEMAS["source"].list_params, SOURCE),
}

# (resource, query parameters, pages deep): the shapes clients and the benchmark use.
SHAPES: list[tuple[str, dict[str, Any], int]] = [
    ("claims", {"speaker": "speaker-00000001", "topic": "economy"}, 1),
    ("claims", {"speaker": "speaker-00000001", "topic": "economy"}, 3),
    ("claims", {"topic": "economy"}, 1),
    ("claims", {"topic": "economy"}, 5),
    ("claims", {"speaker": "speaker-00000002", "sort": "-id"}, 1),
    ("claims", {}, 4),
    ("claims", {"kind": "direct_quote"}, 2),
    ("claims", {"sort": "kind"}, 2),
    ("claims", {"sort": "position"}, 2),
    ("claims", {"source": "source-00000010"}, 1),
    ("claims", {"sort": "-kind"}, 2),
    ("statistics", {"indicator": "unemployment_rate", "value_gt": 10}, 1),
    ("statistics", {"indicator": "unemployment_rate", "value_gt": 10}, 2),
    ("statistics", {"indicator": "unemployment_rate", "sort": "-value"}, 2),
    ("statistics", {"entity": "FRA"}, 1),
    ("statistics", {"unit": "percent", "sort": "value"}, 1),
    ("statistics", {"period": "2020"}, 1),
    ("statistics", {"sort": "period"}, 2),
    ("statistics", {"sort": "-entity"}, 1),
    ("speakers", {"sort": "name"}, 2),
    ("speakers", {"country": "FRA"}, 1),
    ("sources", {"sort": "-published_on"}, 2),
    ("sources", {"publisher": "Daily Ledger"}, 1),
]
# The same lists as of the moment before the corrections: a merge of each current table
# and its history twin, both read in index order.
AS_OF_SHAPES: list[tuple[str, dict[str, Any], int]] = [
    ("claims", {}, 2),
    ("claims", {"speaker": "speaker-00000001", "topic": "economy"}, 2),
    ("claims", {"topic": "economy"}, 3),
    ("claims", {"kind": "direct_quote"}, 2),
    ("claims", {"sort": "-kind"}, 2),
    ("statistics", {"indicator": "unemployment_rate", "value_gt": 10}, 2),
]
# Counts (count=true) on indexed filters: answered from an index, never a table scan.
COUNTS: list[tuple[str, dict[str, Any]]] = [
    ("claims", {"speaker": "speaker-00000001"}),
    ("claims", {"speaker": "speaker-00000001", "topic": "economy"}),
    ("claims", {"topic": "economy"}),
    ("claims", {"kind": "direct_quote"}),
    ("statistics", {"indicator": "unemployment_rate"}),
]
# ...and of those, the ones read from an index alone (no row of the table is visited).
INDEX_ONLY_COUNTS = COUNTS[:4]


@pytest.fixture(scope="module")
def corpus(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database with a synthetic corpus, loaded by the real loader, then corrected
    through the real write path, and analyzed."""
    with fresh_database(backend, tmp_path_factory.mktemp("plans")) as url:
        upgrade(url)
        engine = build_engine(url)
        load_synthetic(engine, CLAIMS, seed=7)
        _correct_claims(engine)
        yield engine
        engine.dispose()


@pytest.fixture(scope="module")
def loaded_at(corpus: Engine) -> datetime:
    """The moment of the load, before the corrections."""
    claims = RESOURCE_TABLES["claim"][0]
    with corpus.connect() as connection:
        moment: datetime = connection.execute(select(func.max(claims.c.created_at))).scalar_one()
    return moment


def _correct_claims(engine: Engine) -> None:
    claims = RESOURCE_TABLES["claim"][0]
    with engine.begin() as connection:
        edited = connection.execute(select(claims).order_by(claims.c.id).limit(EDITED))
        for row in edited.mappings().all():
            kind = "paraphrase" if row["kind"] == "direct_quote" else "direct_quote"
            update_record(connection, "claim", row, {"kind": kind}, author="t", reason="r")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def _statement(session: Session, resource: str, values: dict[str, Any], pages: int) -> Select[Any]:
    """The exact page query the app runs for page `pages` of this list (cursor included)."""
    model, described = RESOURCES[resource]
    cursor: str | None = None
    for _ in range(pages):
        params = model.model_validate({**values, "cursor": cursor})
        listed = list_query(session.connection(), tables_at(params.as_of), params, described)
        statement = listed.page_statement(params.limit)
        page = listed.page(session.connection(), params.limit, counted=False)
        assert page.next_cursor is not None or pages == 1, f"{resource} {values}: too few rows"
        cursor = page.next_cursor
    return statement


def _explain(engine: Engine, statement: Select[Any]) -> Any:
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return [row[3] for row in rows]
        return connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar_one()[0]["Plan"]


def _sqlite_problems(plan: list[str]) -> list[str]:
    problems = []
    for line in plan:
        if "TEMP B-TREE" in line and "ORDER BY" in line:
            problems.append(f"sorts: {line}")
        words = line.split()
        if words[:1] == ["SCAN"] and words[1] in BIG_TABLES and "INDEX" not in line:
            problems.append(f"reads a whole table: {line}")
    return problems


def _postgres_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _postgres_nodes(child)


def _postgres_problems(plan: dict[str, Any]) -> list[str]:
    problems = []
    for node in _postgres_nodes(plan):
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
            problems.append(f"reads a whole table: Seq Scan on {node['Relation Name']}")
        if node["Node Type"] == "Sort":
            below = [child["Node Type"] for child in _postgres_nodes(node)]
            if "Seq Scan" in below:
                problems.append(f"sorts a whole table: Sort over {below}")
    return problems


def _problems(engine: Engine, statement: Select[Any]) -> tuple[list[str], Any]:
    plan = _explain(engine, statement)
    if engine.dialect.name == "sqlite":
        return _sqlite_problems(plan), plan
    return _postgres_problems(plan), plan


@pytest.mark.parametrize(("resource", "values", "pages"), SHAPES)
def test_list_page_is_served_by_an_index(
    corpus: Engine, resource: str, values: dict[str, Any], pages: int
) -> None:
    with Session(corpus) as session:
        statement = _statement(session, resource, values, pages)
    problems, plan = _problems(corpus, statement)
    assert problems == [], plan


@pytest.mark.parametrize(("resource", "values", "pages"), AS_OF_SHAPES)
def test_as_of_list_page_is_served_by_indexes(
    corpus: Engine, loaded_at: datetime, resource: str, values: dict[str, Any], pages: int
) -> None:
    as_of = loaded_at.isoformat()
    with Session(corpus) as session:
        statement = _statement(session, resource, {**values, "as_of": as_of}, pages)
    problems, plan = _problems(corpus, statement)
    assert problems == [], plan


def _links_read(engine: Engine, plan: Any) -> list[str]:
    """How each read of claim_topic is bounded: the condition of its SQLite SEARCH line (in
    parentheses, after the index name), or its PostgreSQL index condition."""
    if engine.dialect.name == "sqlite":
        return [line[line.rfind("(") :] for line in plan if "claim_topic" in line.split()]
    nodes = _postgres_nodes(plan)
    return [
        str(node.get("Index Cond")) for node in nodes if node.get("Relation Name") == "claim_topic"
    ]


@pytest.mark.parametrize("pages", [1, 100])
def test_a_deep_topic_page_probes_the_links_of_its_claims_only(corpus: Engine, pages: int) -> None:
    """Page 100 of a topic costs what page 1 does: the links are looked up claim by claim,
    never read from the topic's first link up to the cursor (PostgreSQL's merge semi-join)."""
    with Session(corpus) as session:
        statement = _statement(session, "claims", {"topic": "economy", "limit": 50}, pages)
    plan = _explain(corpus, statement)
    reads = _links_read(corpus, plan)
    assert reads, plan
    assert all("claim_id" in read for read in reads), plan


def _count_statement(engine: Engine, resource: str, values: dict[str, Any]) -> Select[Any]:
    model, described = RESOURCES[resource]
    params = model.model_validate({**values, "count": True})
    with engine.connect() as connection:
        listed = list_query(connection, CURRENT, params, described)
    return listed.count_statement()


@pytest.mark.parametrize(("resource", "values"), COUNTS)
def test_count_on_an_indexed_filter_uses_an_index(
    corpus: Engine, resource: str, values: dict[str, Any]
) -> None:
    problems, plan = _problems(corpus, _count_statement(corpus, resource, values))
    assert problems == [], plan


@pytest.mark.parametrize(("resource", "values"), INDEX_ONLY_COUNTS)
def test_count_reads_an_index_alone(corpus: Engine, resource: str, values: dict[str, Any]) -> None:
    plan = _explain(corpus, _count_statement(corpus, resource, values))
    if corpus.dialect.name == "sqlite":
        reads = [line for line in plan if line.startswith(("SEARCH", "SCAN"))]
        assert reads, plan
        assert all("COVERING INDEX" in line for line in reads), plan
    else:
        scans = [node["Node Type"] for node in _postgres_nodes(plan) if "Relation Name" in node]
        assert scans, plan
        assert set(scans) == {"Index Only Scan"}, plan


def _search_statements(corpus: Engine, q: str) -> tuple[Select[Any], Select[Any]]:
    """What `q` sorted by relevance runs: finding the newest block, then ranking a block."""
    params = SCHEMAS["claim"].list_params.model_validate({"q": q})
    with corpus.connect() as connection:
        listed = list_query(connection, CURRENT, params, CLAIM)
    added = listed.ranked_by
    assert added is not None
    block = Block(1, 2_000)
    return (
        older_block_query(listed.query, added, None),
        block_query(listed.query, added, listed.keys, block, None, 51),
    )


def test_search_finds_its_block_of_recent_matches_in_index_order(corpus: Engine) -> None:
    older, _page = _search_statements(corpus, "percent")
    problems, plan = _problems(corpus, older)
    assert problems == [], plan


def test_search_ranks_one_block_read_by_its_range(corpus: Engine) -> None:
    _older, page = _search_statements(corpus, "percent")
    problems, plan = _problems(corpus, page)
    # Sorting by relevance is expected: it sorts one block (at most `CANDIDATES` rows).
    assert [problem for problem in problems if not problem.startswith("sorts:")] == [], plan
    if corpus.dialect.name == "sqlite":
        # FTS5's plan string: M = MATCH, then the rowid bounds (> and <) it was given.
        assert any("claim_fts VIRTUAL TABLE INDEX" in line and "><" in line for line in plan)


@pytest.mark.parametrize("as_of", [False, True])
def test_one_record_by_id_uses_the_primary_key(
    corpus: Engine, loaded_at: datetime, as_of: bool
) -> None:
    query = CLAIM.query(tables_at(loaded_at if as_of else None))
    # One of the corrected claims: as of the load, its version is in the history table.
    statement = query.where(query.selected_columns.id == "claim-00000123")
    problems, plan = _problems(corpus, statement)
    assert problems == [], plan
    text = str(plan)
    assert "INDEX" in text or "Index" in text, plan


def test_the_checks_catch_a_full_sort(corpus: Engine) -> None:
    """The plan checks can fail: sorting by an unindexed column is reported."""
    query = CLAIM.query(CURRENT)
    statement = query.order_by(query.selected_columns.text).limit(10)
    problems, plan = _problems(corpus, statement)
    assert problems, plan


@pytest.fixture(scope="module")
def loaded_only(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A corpus just loaded (and analyzed by the loader): every change is a seed load."""
    with fresh_database(backend, tmp_path_factory.mktemp("loaded")) as url:
        upgrade(url)
        engine = build_engine(url)
        load_synthetic(engine, 2_000, seed=3)
        yield engine
        engine.dispose()


@pytest.mark.parametrize("include_seed_load", [False, True])
@pytest.mark.parametrize("corrected", [False, True], ids=["loaded-only", "corrected"])
def test_the_change_feed_walks_an_index_in_feed_order(
    corpus: Engine, loaded_only: Engine, corrected: bool, include_seed_load: bool
) -> None:
    """A corpus is nearly all seed loads, which `include_seed_load=false` leaves out: that
    feed walks the index of the others alone (ix_change_not_seed_load), not every change,
    whatever the planner's statistics say (a corpus just loaded has no other change)."""
    engine = corpus if corrected else loaded_only
    params = ChangeListParams.model_validate({"include_seed_load": include_seed_load})
    with engine.connect() as connection:
        statement = feed_page(connection, params, None, 0)
    problems, plan = _problems(engine, statement)
    assert problems == [], plan
    if not include_seed_load:
        assert "ix_change_not_seed_load" in str(plan), plan
