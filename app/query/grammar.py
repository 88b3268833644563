"""The query grammar every endpoint shares: value types, paging, time travel, and the base
models the per-resource parameter models (`app.resources.schemas`) are derived from. Unknown
parameters are refused everywhere."""

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CODE = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no id, code or search contains control characters.
    if _FORBIDDEN_CHARACTERS.search(value):
        raise ValueError("must not contain control characters or lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_printable)]


def _whole_number(value: object) -> object:
    # Pydantic's lax mode would read "1.0" or " 1" as 1; a page size is written as digits.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
        raise ValueError("must be a whole number written in digits")
    return value


PageSize = Annotated[int, BeforeValidator(_whole_number)]


def _calendar_day(value: object) -> object:
    # Lax mode would also read "2023-02-03T00:00:00" or a Unix timestamp as a day.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_calendar_day)]

RFC_3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


# A `+` sent unencoded in a query string arrives as a space: `...T12:00:00 02:00`.
UNENCODED_PLUS = re.compile(r"(.*[0-9]) ([0-9]{2}:[0-9]{2})")


def _rfc_3339(value: object) -> object:
    # Lax mode would also read a Unix timestamp as a moment; the contract is RFC 3339.
    if isinstance(value, str) and not RFC_3339.fullmatch(value):
        plus = UNENCODED_PLUS.fullmatch(value)
        if plus is not None and RFC_3339.fullmatch(f"{plus[1]}+{plus[2]}"):
            raise ValueError(
                "the offset's `+` arrived as a space, as an unencoded `+` in a URL does: "
                f"send it as `%2B` ({plus[1]}%2B{plus[2]})"
            )
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2024-05-20T12:00:00Z")
    return value


# What a person is told when a value does not match a pattern, by pattern (the problem
# handler names the allowed values rather than showing the regular expression).
PATTERN_MESSAGES: dict[str, str] = {}


def _quoted(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _literal(name: str) -> str:
    """`name` as a regular expression that ECMAScript reads too: `re.escape` escapes `-`,
    which JavaScript's unicode-mode expressions (OpenAPI tools, generated clients) refuse
    outside a character class."""
    return re.escape(name).replace("\\-", "-")


def one_of_list(names: list[str]) -> str:
    """A pattern for a comma-separated list drawn from `names`."""
    choice = "|".join(_literal(name) for name in names)
    pattern = rf"^({choice})(,({choice}))*$"
    PATTERN_MESSAGES[pattern] = f"must be one or more of {_quoted(names)}, comma-separated"
    return pattern


def sort_pattern(names: list[str]) -> str:
    choice = "|".join(_literal(name) for name in names)
    pattern = rf"^-?({choice})(,-?({choice}))*$"
    PATTERN_MESSAGES[pattern] = (
        f"must be fields from {_quoted(names)}, comma-separated, each at most once and "
        "prefixed with `-` for descending"
    )
    return pattern


class ListParams(BaseModel):
    """What every list endpoint accepts."""

    model_config = ConfigDict(extra="forbid")

    limit: PageSize = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Records per page (1-500)."
    )
    cursor: Text | None = Field(
        None,
        max_length=4096,
        description="Opaque: the `next_cursor` of the previous page of this same query.",
    )
    count: bool = Field(False, description="Add `total`, the number of records matched.")
    # Each resource narrows this to its own allow-list of sort fields.
    sort: str | None = "id"


class AsOf(BaseModel):
    """Time travel: what every list and get accepts."""

    model_config = ConfigDict(extra="forbid")

    as_of: Annotated[AwareDatetime, BeforeValidator(_rfc_3339)] | None = Field(
        None,
        description="RFC 3339 time with offset: the data as it stood at that moment "
        "(corrected records show their old values, later-retracted ones are still there).",
        examples=["2026-11-28T12:00:00Z"],
    )


class RecordScope(AsOf):
    """Which versions a list (or its summary) reads: of which moment, retracted ones or not."""

    include_retracted: bool = Field(
        False, description="Also list retracted records (their `retracted_at` is set)."
    )


class RecordListParams(ListParams, RecordScope):
    """A list of versioned records, in any of the list formats."""


class FormatChoice(BaseModel):
    """The list's old way to choose a format, now an operation of its own per format."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv", "ndjson", "jsonld"] | None = Field(
        None,
        deprecated=True,
        description="Deprecated: answered with a 308 to the same query at the format's own "
        "path (`format=csv` to `.csv` after the list's path; `json` to the list without it), "
        "with `Deprecation` and `Sunset` headers until its sunset.",
    )


class CsvOptions(BaseModel):
    """What only CSV takes: on the `.csv` operation, and on the list for `Accept: text/csv`."""

    model_config = ConfigDict(extra="forbid")

    bom: bool = Field(
        False,
        description="CSV only: start the file with a UTF-8 byte order mark, so that "
        "spreadsheet programs (Excel) read its names and quotes as UTF-8.",
    )


class GetParams(AsOf):
    """A single versioned record."""


class NoParams(BaseModel):
    """For endpoints that take no query parameters: any parameter is refused."""

    model_config = ConfigDict(extra="forbid")


CODE_WORDS = "letters, digits and `_ . : -`, starting with a letter or digit"
PATTERN_MESSAGES[rf"^{CODE}$"] = f"must be an id: {CODE_WORDS}"
PATTERN_MESSAGES[rf"^{CODE}(,{CODE})*$"] = f"must be ids ({CODE_WORDS}), comma-separated"
PATTERN_MESSAGES[r"^-?version$"] = "must be `version` or `-version`"

RECORD_ID: dict[str, Any] = {
    "pattern": rf"^{CODE}$",
    "max_length": 128,
    "description": "The record's id: letters, digits, `_ . : -`, at most 128 characters.",
}
RecordId = Annotated[str, Path(**RECORD_ID)]


class VersionListParams(ListParams):
    """A record's versions, newest first."""

    sort: str = Field(
        "-version",
        pattern=r"^-?version$",
        description="`-version` (newest first, the default) or `version`.",
    )


def _time_or_cursor(value: str) -> str:
    # A value that starts as a date is a time, checked as one; anything else is a cursor
    # (base64 of JSON, `WyJ...`).
    if re.match(r"[0-9]{4}-", value):
        _rfc_3339(value)
    return value


CHANGED_RESOURCES = ("source", "speaker", "topic", "claim", "statistic")
CHANGE_OPERATIONS = ("create", "update", "retract")
AUTHORS = r"^[^,]{1,200}(,[^,]{1,200})*$"
PATTERN_MESSAGES[AUTHORS] = "must be author names (API key names, or `seed`), comma-separated"


class ChangeListParams(BaseModel):
    """The change feed: every version of every record, oldest first."""

    model_config = ConfigDict(extra="forbid")

    cursor: Text | None = Field(
        None,
        max_length=200,
        description="Opaque: the `next_cursor` of a previous response; omit to start from "
        "the beginning.",
    )
    since: Annotated[Text, AfterValidator(_time_or_cursor)] | None = Field(
        None,
        max_length=200,
        description="An RFC 3339 time with offset: only the changes made after it "
        "(`2026-12-06T00:00:00Z`; a `+` offset is sent as `%2B`). A cursor here is the "
        "deprecated old name of `cursor`, answered with `Deprecation` and `Sunset` headers "
        "until its sunset.",
        examples=["2026-12-06T00:00:00Z"],
    )
    resource: str | None = Field(
        None,
        pattern=one_of_list(list(CHANGED_RESOURCES)),
        description="Only changes of these resources (comma-separated).",
        examples=["statistic,claim"],
    )
    operation: str | None = Field(
        None,
        pattern=one_of_list(list(CHANGE_OPERATIONS)),
        description="Only these operations (comma-separated).",
        examples=["update,retract"],
    )
    author: Text | None = Field(
        None,
        max_length=1000,
        pattern=AUTHORS,
        description="Only changes by these authors (comma-separated): API key names, or "
        "`seed` for the seed loader. An author that never existed is a 400.",
        examples=["editor"],
    )
    include_seed_load: bool = Field(
        True,
        description="`false` leaves out the records the seed loader created (author `seed` "
        "or `synthetic`, operation `create`): what people changed since the data was loaded.",
    )
    limit: PageSize = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Changes per page.")


VersionNumber = Annotated[int, Path(ge=1, le=2_000_000_000, description="A version number.")]
