"""The query grammar's parameter models, without HTTP: what each query string is read as, and
what is refused (the API answers those with 400 invalid-parameter, naming the parameter)."""

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pydantic import BaseModel, ValidationError

from app.resources import SCHEMAS

MODELS: dict[str, type[BaseModel]] = {
    "claims": SCHEMAS["claim"].list_params,
    "statistics": SCHEMAS["statistic"].list_params,
    "speakers": SCHEMAS["speaker"].list_params,
    "sources": SCHEMAS["source"].list_params,
}


def read(resource: str, query: str) -> BaseModel:
    """The parameter model of `resource`'s list, from a query string as a client sends it."""
    return MODELS[resource].model_validate(dict(parse_qsl(query, keep_blank_values=True)))


LIST_DEFAULTS = {
    "limit": 50,
    "cursor": None,
    "count": False,
    "as_of": None,
    "include_retracted": False,
    "format": None,
}
NOON = datetime(2024, 5, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("resource", "query", "expected"),
    [
        ("claims", "", {**LIST_DEFAULTS, "sort": None, "speaker": None, "q": None}),
        ("statistics", "", {**LIST_DEFAULTS, "sort": "id", "value_gte": None}),
        ("speakers", "", {**LIST_DEFAULTS, "sort": "id", "country": None}),
        ("sources", "", {**LIST_DEFAULTS, "sort": "id", "published_after": None}),
        ("claims", "limit=1", {"limit": 1}),
        ("claims", "limit=500", {"limit": 500}),
        ("claims", "count=true&include_retracted=1", {"count": True, "include_retracted": True}),
        ("claims", "count=false", {"count": False}),
        ("claims", "as_of=2024-05-20T12:00:00Z", {"as_of": NOON}),
        ("claims", "as_of=2024-05-20T14:00:00%2B02:00", {"as_of": NOON}),
        ("claims", "as_of=2024-05-20 12:00:00.5z", {"as_of": NOON.replace(microsecond=500000)}),
        ("claims", "published_after=2024-05-20", {"published_after": date(2024, 5, 20)}),
        ("sources", "published_before=2024-02-29", {"published_before": date(2024, 2, 29)}),
        # Lists stay text here; the filters split them.
        ("claims", "speaker=a,b&kind=paraphrase", {"speaker": "a,b", "kind": "paraphrase"}),
        ("claims", "sort=-kind,id&include=speaker", {"sort": "-kind,id", "include": "speaker"}),
        ("claims", "q=semicond*&format=csv", {"q": "semicond*", "format": "csv"}),
        ("statistics", "value_gte=5&value_lt=-1.5e3", {"value_gte": 5.0, "value_lt": -1500.0}),
        ("statistics", "period=2023 Q1&entity=CHN", {"period": "2023 Q1", "entity": "CHN"}),
        (
            "sources",
            "publisher=Chinese Social Sciences Today",
            {"publisher": "Chinese Social Sciences Today"},
        ),
        ("speakers", "q=Dunford&sort=-name", {"q": "Dunford", "sort": "-name"}),
    ],
)
def test_values_are_read_as(resource: str, query: str, expected: dict[str, Any]) -> None:
    params = read(resource, query)
    assert {name: getattr(params, name) for name in expected} == expected


UNKNOWN = "Extra inputs are not permitted"
WHOLE_NUMBER = "Value error, must be a whole number written in digits"
MOMENT = "Value error, must be an RFC 3339 time with an offset, e.g. 2024-05-20T12:00:00Z"
DAY = "Value error, must be a date written YYYY-MM-DD"
NO_SUCH_DAY = "Input should be a valid date or datetime, day value is outside expected range"
PRINTABLE = "Value error, must not contain control characters or lone surrogates"
FINITE = "Input should be a finite number"


def pattern(regex: str) -> str:
    return f"String should match pattern '{regex}'"


CODES = pattern("^[A-Za-z0-9][A-Za-z0-9_.:-]*(,[A-Za-z0-9][A-Za-z0-9_.:-]*)*$")
KINDS = pattern(
    "^(direct_quote|paraphrase|author_statement)(,(direct_quote|paraphrase|author_statement))*$"
)
CLAIM_SORTS = pattern("^-?(id|kind|position|relevance)(,-?(id|kind|position|relevance))*$")


@pytest.mark.parametrize(
    ("resource", "query", "error", "message"),
    [
        # unknown parameters, including another list's
        ("claims", "speakr=a", "extra_forbidden", UNKNOWN),
        ("sources", "kind=paraphrase", "extra_forbidden", UNKNOWN),
        ("speakers", "topic=trade", "extra_forbidden", UNKNOWN),
        # page size: digits, 1-500
        ("claims", "limit=1.0", "value_error", WHOLE_NUMBER),
        ("claims", "limit=%201", "value_error", WHOLE_NUMBER),
        ("claims", "limit=-1", "value_error", WHOLE_NUMBER),
        ("claims", "limit=1e2", "value_error", WHOLE_NUMBER),
        ("claims", "limit=0", "greater_than_equal", "Input should be greater than or equal to 1"),
        ("claims", "limit=501", "less_than_equal", "Input should be less than or equal to 500"),
        (
            "claims",
            "count=maybe",
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        ),
        (
            "claims",
            f"cursor={'c' * 4097}",
            "too_long",
            "Value should have at most 4096 items after validation, not 4097",
        ),
        # moments: RFC 3339 with an offset; days: YYYY-MM-DD that exist
        ("claims", "as_of=2024-05-20T12:00:00", "value_error", MOMENT),
        (  # an unencoded + is a space
            "claims",
            "as_of=2024-05-20T12:00:00+02:00",
            "value_error",
            "Value error, the offset's `+` arrived as a space, as an unencoded `+` in a URL "
            "does: send it as `%2B` (2024-05-20T12:00:00%2B02:00)",
        ),
        ("claims", "as_of=2024-05-20", "value_error", MOMENT),
        ("claims", "as_of=1716206400", "value_error", MOMENT),
        ("claims", "published_after=2024-05-20T00:00:00", "value_error", DAY),
        ("claims", "published_after=1716163200", "value_error", DAY),
        ("sources", "published_before=2023-02-29", "date_from_datetime_parsing", NO_SUCH_DAY),
        # codes and fixed values
        ("claims", "speaker=a,,b", "string_pattern_mismatch", CODES),
        ("claims", "speaker=a b", "string_pattern_mismatch", CODES),
        ("claims", "topic=trade,", "string_pattern_mismatch", CODES),
        ("claims", "kind=quote", "string_pattern_mismatch", KINDS),
        ("claims", "kind=Paraphrase", "string_pattern_mismatch", KINDS),
        (
            "claims",
            "format=xml",
            "literal_error",
            "Input should be 'json', 'csv', 'ndjson' or 'jsonld'",
        ),
        (
            "claims",
            "include=statistic",
            "string_pattern_mismatch",
            pattern(
                r"^(speaker|source|statistics|reviews|context|source\.text)"
                r"(,(speaker|source|statistics|reviews|context|source\.text))*$"
            ),
        ),
        (
            "statistics",
            "facets=kind",
            "string_pattern_mismatch",
            pattern("^(indicator|entity|unit|modality)(,(indicator|entity|unit|modality))*$"),
        ),
        # sort allow-lists
        ("claims", "sort=name", "string_pattern_mismatch", CLAIM_SORTS),
        ("claims", "sort=--kind", "string_pattern_mismatch", CLAIM_SORTS),
        ("claims", "sort=kind,", "string_pattern_mismatch", CLAIM_SORTS),
        (
            "speakers",
            "sort=published_on",
            "string_pattern_mismatch",
            pattern("^-?(id|name)(,-?(id|name))*$"),
        ),
        # numbers and text
        (
            "statistics",
            "value_gte=five",
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
        ),
        ("statistics", "value_lt=nan", "finite_number", FINITE),
        ("statistics", "value_gt=-inf", "finite_number", FINITE),
        ("claims", "q=", "too_short", "Value should have at least 1 item after validation, not 0"),
        ("claims", "q=a%00b", "value_error", PRINTABLE),
        ("sources", "publisher=\ud800", "value_error", PRINTABLE),
    ],
)
def test_refused(resource: str, query: str, error: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read(resource, query)
    name = query.partition("=")[0]
    assert [(e["loc"], e["type"], e["msg"]) for e in refused.value.errors()] == [
        ((name,), error, message)
    ]
