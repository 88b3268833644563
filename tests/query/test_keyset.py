"""Keyset pagination without a database: `sort` into sort keys, and the signed cursors that
carry the last key of a page to the next request, bound to the query that made them."""

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import pytest

from app.config import get_settings
from app.query.filters import Column
from app.query.keyset import (
    KeyValue,
    SortKey,
    decode_cursor,
    encode_cursor,
    parse_sort,
    query_fingerprint,
)
from app.resources import RESOURCES
from app.store.temporal import CURRENT
from app.web.problems import ApiError

SORT_FIELDS: dict[str, dict[str, Sequence[Column]]] = {
    resource.plural: dict(resource.sort_fields(CURRENT)) for resource in RESOURCES.values()
}
Problem = tuple[int, str, list[tuple[str, str, str]]]


def problem(error: ApiError) -> Problem:
    """What the client gets: status, problem type and (location, name, message) of each error."""
    assert error.detail == "; ".join(f"{e.name}: {e.message}" for e in error.errors or [])
    return error.status, error.slug, [(e.location, e.name, e.message) for e in error.errors or []]


def order(keys: list[SortKey]) -> str:
    return ", ".join(f"{key.column} {'DESC' if key.descending else 'ASC'}" for key in keys)


# -- sort ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "sort", "expected"),
    [
        ("claims", "id", "claim.id ASC"),
        ("claims", "-id", "claim.id DESC"),
        # The id breaks ties, in the direction of the last field: a (field, id) index serves it.
        ("claims", "kind", "claim.kind ASC, claim.id ASC"),
        ("claims", "-kind", "claim.kind DESC, claim.id DESC"),
        ("claims", "-kind,id", "claim.kind DESC, claim.id ASC"),
        ("claims", "kind,-id", "claim.kind ASC, claim.id DESC"),
        ("claims", "id,-kind", "claim.id ASC, claim.kind DESC"),
        # One field may sort by several columns: a claim's position is (source, offset).
        ("claims", "position", "claim.source_id ASC, claim.span_start ASC, claim.id ASC"),
        (
            "claims",
            "kind,-position",
            "claim.kind ASC, claim.source_id DESC, claim.span_start DESC, claim.id DESC",
        ),
        ("statistics", "-value", "statistic.value DESC, statistic.id DESC"),
        ("statistics", "period", "statistic.period_start ASC, statistic.id ASC"),
        (
            "statistics",
            "unit,-value",
            "statistic.unit ASC, statistic.value DESC, statistic.id DESC",
        ),
        ("speakers", "-name", "speaker.name DESC, speaker.id DESC"),
        (
            "sources",
            "-published_on,title",
            "source.published_on DESC, source.title ASC, source.id ASC",
        ),
    ],
)
def test_sort_gives_these_keys(resource: str, sort: str, expected: str) -> None:
    assert order(parse_sort(sort, SORT_FIELDS[resource])) == expected


@pytest.mark.parametrize(
    ("sort", "repeated"),
    [("kind,-kind", "kind"), ("id,id", "id"), ("position,kind,position", "position")],
)
def test_a_field_sorted_twice_is_refused(sort: str, repeated: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_sort(sort, SORT_FIELDS["claims"])
    message = f"the field {repeated!r} is given more than once"
    assert problem(refused.value) == (400, "invalid-parameter", [("query", "sort", message)])


# -- cursors ---------------------------------------------------------------------------------

CLAIMS_BY_KIND = query_fingerprint("claims", {"sort": "-kind", "speaker": "michael-dunford"})
NOT_OURS = (400, "invalid-cursor", [("query", "cursor", "not a cursor issued by this API")])
OTHER_QUERY = (
    400,
    "invalid-cursor",
    [
        (
            "query",
            "cursor",
            "issued for a different query; a cursor only continues the query "
            "(resource, filters and sort) it came from",
        )
    ],
)


# The cursor format, written out here rather than imported, to forge and tamper with cursors.
def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed(payload: bytes) -> str:
    """A cursor as the API makes one: base64url(payload).base64url(HMAC-SHA256[:16])."""
    secret = get_settings().cursor_secret.encode()
    return f"{b64(payload)}.{b64(hmac.new(secret, payload, hashlib.sha256).digest()[:16])}"


@contextmanager
def cursor_secret(monkeypatch: pytest.MonkeyPatch, secret: str) -> Iterator[None]:
    """The app configured with another CURSOR_SECRET, as another deployment would be."""
    with monkeypatch.context() as patch:
        patch.setenv("CURSOR_SECRET", secret)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()


@pytest.mark.parametrize(
    "key",
    [
        ["nqpf-21"],
        [42],
        [25.7],
        [2.0],
        [-0.5, "chn-gdp"],
        [10**15, "x"],
        [date(2024, 5, 20), "csst-2024-05-20-new-quality-productive-forces"],
        ["direct_quote", "nqpf-21"],
        ['Zürich ☃ "quoted" , comma', "a.b:c_d-e"],
        ["CHN", 2.5, "percent", date(2023, 1, 1), "chn-monthly-wafer-capacity"],
    ],
    ids=str,
)
def test_a_cursor_gives_back_its_key(key: list[KeyValue]) -> None:
    cursor = encode_cursor(CLAIMS_BY_KIND, key)
    # Safe in a URL as it is: base64url without padding, one dot.
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", cursor), cursor
    decoded = decode_cursor(cursor, CLAIMS_BY_KIND, len(key))
    assert decoded == key
    assert [type(value) for value in decoded] == [type(value) for value in key]


def test_a_query_fingerprint_depends_on_the_resource_and_criteria_only() -> None:
    criteria = {"speaker": "michael-dunford", "sort": "-kind"}
    assert query_fingerprint("claims", criteria) == CLAIMS_BY_KIND
    assert re.fullmatch(r"[0-9a-f]{16}", CLAIMS_BY_KIND)
    others = {
        query_fingerprint("statistics", criteria),
        query_fingerprint("claims", {**criteria, "sort": "kind"}),
        query_fingerprint("claims", {**criteria, "speaker": "michael-dunford,x"}),
        query_fingerprint("claims", {**criteria, "kind": "paraphrase"}),
        query_fingerprint("claims", {"speaker": "michael-dunford"}),
    }
    assert len(others) == 5
    assert CLAIMS_BY_KIND not in others


def tampered_payload() -> str:
    payload, signature = encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-21"]).split(".")
    return f"{b64(unb64(payload).replace(b'nqpf-21', b'nqpf-99'))}.{signature}"


def tampered_signature() -> str:
    payload, signature = encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-21"]).split(".")
    raw = unb64(signature)
    return f"{payload}.{b64(raw[:-1] + bytes([raw[-1] ^ 1]))}"


def swapped_signature() -> str:
    payload = encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-21"]).split(".")[0]
    signature = encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-22"]).split(".")[1]
    return f"{payload}.{signature}"


def truncated() -> str:
    return encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-21"])[:-3]


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        pytest.param(tampered_payload(), NOT_OURS, id="tampered payload"),
        pytest.param(tampered_signature(), NOT_OURS, id="tampered signature"),
        pytest.param(swapped_signature(), NOT_OURS, id="another cursor's signature"),
        pytest.param(truncated(), NOT_OURS, id="truncated"),
        pytest.param("", NOT_OURS, id="empty"),
        pytest.param("garbage", NOT_OURS, id="no dot"),
        pytest.param("a.b.c", NOT_OURS, id="two dots"),
        pytest.param(".", NOT_OURS, id="empty parts"),
        pytest.param("!!!.???", NOT_OURS, id="not base64"),
        pytest.param("é.é", NOT_OURS, id="not ascii"),
        pytest.param(
            encode_cursor(query_fingerprint("claims", {"sort": "kind"}), ["a", "b"]),
            OTHER_QUERY,
            id="another sort",
        ),
        pytest.param(
            encode_cursor(query_fingerprint("statistics", {}), ["a", "b"]),
            OTHER_QUERY,
            id="another resource",
        ),
        pytest.param(encode_cursor(CLAIMS_BY_KIND, ["nqpf-21"]), OTHER_QUERY, id="shorter key"),
        pytest.param(
            encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "source", "nqpf-21"]),
            OTHER_QUERY,
            id="longer key",
        ),
    ],
)
def test_a_cursor_not_made_for_this_query_is_refused(cursor: str, expected: Problem) -> None:
    with pytest.raises(ApiError) as refused:
        decode_cursor(cursor, CLAIMS_BY_KIND, 2)
    assert problem(refused.value) == expected


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        f'["{CLAIMS_BY_KIND}"]'.encode(),
        f'["{CLAIMS_BY_KIND}", 5]'.encode(),
        f'["{CLAIMS_BY_KIND}", ["a", "b"], "extra"]'.encode(),
        f'["{CLAIMS_BY_KIND}", [true, "b"]]'.encode(),
        f'["{CLAIMS_BY_KIND}", [null, "b"]]'.encode(),
        f'["{CLAIMS_BY_KIND}", [["a"], "b"]]'.encode(),
        f'["{CLAIMS_BY_KIND}", [{{"d": 20240520}}, "b"]]'.encode(),
        f'["{CLAIMS_BY_KIND}", [{{"d": "2024-02-30"}}, "b"]]'.encode(),
        f'["{CLAIMS_BY_KIND}", [{{"d": "2024-05-20", "x": 1}}, "b"]]'.encode(),
    ],
    ids=lambda payload: payload.decode().replace(CLAIMS_BY_KIND, "fingerprint"),
)
def test_a_signed_cursor_that_holds_no_key_is_refused(payload: bytes) -> None:
    with pytest.raises(ApiError) as refused:
        decode_cursor(signed(payload), CLAIMS_BY_KIND, 2)
    assert problem(refused.value) == NOT_OURS


def test_a_cursor_signed_with_another_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with cursor_secret(monkeypatch, "another deployment's secret"):
        foreign = encode_cursor(CLAIMS_BY_KIND, ["paraphrase", "nqpf-21"])
        assert decode_cursor(foreign, CLAIMS_BY_KIND, 2) == ["paraphrase", "nqpf-21"]
    with pytest.raises(ApiError) as refused:
        decode_cursor(foreign, CLAIMS_BY_KIND, 2)
    assert problem(refused.value) == NOT_OURS


def test_the_refusal_names_the_parameter_that_carried_the_cursor() -> None:
    # The change feed takes its cursor as `since`.
    with pytest.raises(ApiError) as refused:
        decode_cursor("garbage", CLAIMS_BY_KIND, 2, parameter="since")
    assert problem(refused.value) == (
        400,
        "invalid-cursor",
        [("query", "since", "not a cursor issued by this API")],
    )
