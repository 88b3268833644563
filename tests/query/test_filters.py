"""Query parameters -> SQL, without a database: each list's filters compiled with literal
values, so the table below reads as the grammar's meaning in SQL."""

import re
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import ColumnElement, FromClause, Select, create_engine, select
from sqlalchemy.engine import Dialect

from app.query.grammar import RecordListParams
from app.resources import CLAIM, RESOURCES, SCHEMAS
from app.store.temporal import CURRENT, tables_at

ClaimListParams = SCHEMAS["claim"].list_params

# The dialects the app runs on (an engine connects only when used).
SQLITE = create_engine("sqlite://").dialect
POSTGRESQL = create_engine("postgresql+psycopg://").dialect
TOPIC_TRADE = (
    "EXISTS (SELECT claim_topic.claim_id FROM claim_topic "
    "WHERE claim_topic.claim_id = claim.id AND claim_topic.topic_id = 'trade')"
)


def sql(statement: Select[Any], dialect: Dialect = SQLITE) -> str:
    """The statement as the database gets it, values inline, on one line."""
    compiled = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return re.sub(r"\s+", " ", compiled).replace("( ", "(").replace(" )", ")").strip()


def where(resource: str, query: str, dialect: Dialect = SQLITE) -> str:
    """The WHERE clause that a query string gives a list of `resource`: its filters, in order."""
    parameters = dict(parse_qsl(query, keep_blank_values=True))
    described = next(r for r in RESOURCES.values() if r.plural == resource)
    params = SCHEMAS[described.name].list_params.model_validate(parameters)
    values = described.filter_bindings(params)
    clauses: list[ColumnElement[bool]] = described.filter_clauses(CURRENT, values)
    table: FromClause = CURRENT.of(described.name)
    statement = sql(select(table.c.id).where(*clauses), dialect)
    return statement.partition(" WHERE ")[2]


@pytest.mark.parametrize(
    ("resource", "query", "expected"),
    [
        # claims
        ("claims", "speaker=a", "claim.speaker_id = 'a'"),
        ("claims", "speaker=a,b", "claim.speaker_id IN ('a', 'b')"),
        ("claims", "source=csst-1", "claim.source_id = 'csst-1'"),
        ("claims", "kind=paraphrase", "claim.kind = 'paraphrase'"),
        (
            "claims",
            "kind=direct_quote,author_statement",
            "claim.kind IN ('direct_quote', 'author_statement')",
        ),
        ("claims", "topic=trade", TOPIC_TRADE),
        (
            "claims",
            "topic=trade,semiconductors",
            "EXISTS (SELECT claim_topic.claim_id FROM claim_topic "
            "WHERE claim_topic.claim_id = claim.id "
            "AND claim_topic.topic_id IN ('trade', 'semiconductors'))",
        ),
        (
            "claims",
            "published_after=2024-05-19",
            "claim.source_id IN (SELECT source.id FROM source "
            "WHERE source.published_on > '2024-05-19')",
        ),
        (
            "claims",
            "published_after=2024-01-01&published_before=2024-12-31",
            "claim.source_id IN (SELECT source.id FROM source "
            "WHERE source.published_on > '2024-01-01' AND source.published_on < '2024-12-31')",
        ),
        (
            "claims",
            "topic=trade&kind=paraphrase&speaker=a&source=s",
            # In the order of the claim's fields (app/resources/claim.py).
            f"claim.kind = 'paraphrase' AND claim.speaker_id = 'a' AND claim.source_id = 's' "
            f"AND ({TOPIC_TRADE})",
        ),
        # statistics
        ("statistics", "indicator=gdp_growth_rate", "statistic.indicator = 'gdp_growth_rate'"),
        ("statistics", "entity=CHN,USA", "statistic.entity IN ('CHN', 'USA')"),
        ("statistics", "unit=percent", "statistic.unit = 'percent'"),
        ("statistics", "period=2023", "statistic.period_label = '2023'"),
        ("statistics", "period=2023 Q1,2023", "statistic.period_label IN ('2023 Q1', '2023')"),
        ("statistics", "value_gte=5", "statistic.value >= 5.0"),
        ("statistics", "value_gt=5", "statistic.value > 5.0"),
        ("statistics", "value_lte=-1.5e3", "statistic.value <= -1500.0"),
        ("statistics", "value_lt=0.25", "statistic.value < 0.25"),
        (
            "statistics",
            "value_lt=10&value_gte=5",
            "statistic.value >= 5.0 AND statistic.value < 10.0",
        ),
        (
            "statistics",
            "speaker=a",
            "statistic.claim_id IN (SELECT claim.id FROM claim WHERE claim.speaker_id = 'a')",
        ),
        (
            "statistics",
            "source=s&speaker=a,b",
            "statistic.claim_id IN (SELECT claim.id FROM claim "
            "WHERE claim.speaker_id IN ('a', 'b') AND claim.source_id = 's')",
        ),
        (
            "statistics",
            "topic=trade&unit=percent",
            "statistic.unit = 'percent' AND statistic.claim_id IN (SELECT claim.id FROM claim "
            f"WHERE {TOPIC_TRADE})",
        ),
        # speakers
        ("speakers", "country=GBR", "speaker.country = 'GBR'"),
        ("speakers", "country=GBR,CHN", "speaker.country IN ('GBR', 'CHN')"),
        ("speakers", "q=DunFord", r"lower(speaker.name) LIKE '%dunford%' ESCAPE '\'"),
        ("speakers", "q=50%25_a%5Cb", r"lower(speaker.name) LIKE '%50\%\_a\\b%' ESCAPE '\'"),
        # sources
        (
            "sources",
            "publisher=Chinese Social Sciences Today,Xinhua",
            "source.publisher IN ('Chinese Social Sciences Today', 'Xinhua')",
        ),
        ("sources", "language=en", "source.language = 'en'"),
        ("sources", "q=Forces", r"lower(source.title) LIKE '%forces%' ESCAPE '\'"),
        ("sources", "published_after=2024-05-19", "source.published_on > '2024-05-19'"),
        ("sources", "published_before=2024-05-21", "source.published_on < '2024-05-21'"),
    ],
)
def test_parameters_give_these_filters(resource: str, query: str, expected: str) -> None:
    assert where(resource, query) == expected


# What every list accepts besides its filters: paging, counting, time travel and format.
NOT_FILTERS = "limit=10&cursor=opaque&count=true&as_of=2024-05-20T12:00:00Z&include_retracted=1"


@pytest.mark.parametrize(
    ("resource", "query"),
    [
        ("claims", ""),
        ("claims", f"{NOT_FILTERS}&format=csv"),
        # Full-text search ranks as it filters: the claim search builds its own query.
        ("claims", "q=semiconductor&sort=-relevance&include=speaker"),
        ("claims", "facets=speaker,topic,kind&sort=-kind,id"),
        ("statistics", f"{NOT_FILTERS}&sort=-value&include=claim&format=ndjson"),
        ("speakers", f"{NOT_FILTERS}&sort=name"),
        ("sources", f"{NOT_FILTERS}&sort=-published_on"),
    ],
)
def test_parameters_that_are_not_filters_add_no_condition(resource: str, query: str) -> None:
    assert where(resource, query) == ""


@pytest.mark.parametrize(
    ("resource", "dialect", "expected"),
    [
        # A page of claims probes claim_topic claim by claim; OFFSET 0 keeps PostgreSQL from
        # making the EXISTS a semi-join that reads the topic's links from the first one.
        (
            "claims",
            POSTGRESQL,
            "EXISTS (SELECT claim_topic.claim_id FROM claim_topic "
            "WHERE claim_topic.claim_id = claim.id AND claim_topic.topic_id = 'trade' OFFSET 0)",
        ),
        ("claims", SQLITE, TOPIC_TRADE),
        # Statistics collect every claim of the topic: no fence, either database joins freely.
        (
            "statistics",
            POSTGRESQL,
            f"statistic.claim_id IN (SELECT claim.id FROM claim WHERE {TOPIC_TRADE})",
        ),
    ],
    ids=["claims-postgresql", "claims-sqlite", "statistics-postgresql"],
)
def test_the_topic_filter_on_each_database(resource: str, dialect: Dialect, expected: str) -> None:
    assert where(resource, "topic=trade", dialect) == expected


# Each claim filter, and the condition count=true&topic=... must carry for it. A filter added
# to the claim list but missing here fails `test_every_claim_filter_is_counted_by_topic`.
COUNTED_WITH_TOPIC = {
    "speaker": ("michael-dunford", "claim_topic.speaker_id = 'michael-dunford'"),
    "source": ("csst-1", "claim.source_id = 'csst-1'"),
    "kind": ("paraphrase", "claim.kind = 'paraphrase'"),
    "published_after": ("2024-05-19", "source.published_on > '2024-05-19'"),
    "published_before": ("2024-05-21", "source.published_on < '2024-05-21'"),
}


def test_every_claim_filter_is_counted_by_topic() -> None:
    not_filters = set(RecordListParams.model_fields) | {"topic", "q", "sort", "include", "facets"}
    not_filters |= {"format", "bom", "fields"}  # how the list is written, not which claims
    assert set(ClaimListParams.model_fields) - not_filters == set(COUNTED_WITH_TOPIC)


@pytest.mark.parametrize(
    ("name", "value", "condition"),
    [(name, value, condition) for name, (value, condition) in COUNTED_WITH_TOPIC.items()],
)
def test_count_by_topic_keeps_the_other_filters(name: str, value: str, condition: str) -> None:
    params = ClaimListParams.model_validate({"topic": "trade", name: value})
    count = CLAIM.count_statement(CURRENT, CLAIM.filter_bindings(params), include_retracted=False)
    assert count is not None
    counted = sql(count)
    assert "claim_topic.topic_id = 'trade'" in counted
    assert condition in counted
    assert "claim_topic.retracted_at IS NULL" in counted


@pytest.mark.parametrize(
    "query",
    [
        "speaker=michael-dunford",
        "topic=trade&q=semiconductor",
        "topic=trade&as_of=2024-05-20T12:00:00Z",
    ],
)
def test_count_by_topic_only_where_the_links_can_answer(query: str) -> None:
    # as_of: past links carry no copies; q: the search counts its own matches.
    params = ClaimListParams.model_validate(dict(parse_qsl(query)))
    values = CLAIM.filter_bindings(params)
    assert CLAIM.count_statement(tables_at(params.as_of), values, include_retracted=False) is None
